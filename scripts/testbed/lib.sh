# shellcheck shell=bash
# Shared helpers for the test-bed scripts; sourced, never run.

testbed_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$testbed_dir/../.." && pwd)
cache_dir=${KANIKO_TESTBED_CACHE:-$repo_root/.testbed/cache}

die() {
  echo "${0##*/}: $*" >&2
  exit 1
}

log() {
  echo "${0##*/}: $*" >&2
}

# with_lock NAME CMD...: runs CMD while holding an exclusive lock, so parallel tests build a cache entry once.
with_lock() {
  local name=$1
  shift
  mkdir -p "$cache_dir"
  (
    flock -x 9
    "$@"
  ) 9>"$cache_dir/$name.lock"
}

# push_layout LAYOUT_REF DEST [SKOPEO_ARGS...]: copies oci:DIR:TAG to docker://DEST over plain HTTP.
push_layout() {
  local src=$1 dest=$2
  shift 2
  skopeo copy --quiet --dest-tls-verify=false "$@" "$src" "docker://$dest" >&2
}
