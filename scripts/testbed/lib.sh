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
# (Its local is oddly named: bash scoping is dynamic, CMD sees the caller's variables through it.)
with_lock() {
  local with_lock_file=$cache_dir/$1.lock
  shift
  mkdir -p "$cache_dir"
  (
    flock -x 9
    "$@"
  ) 9>"$with_lock_file"
}

# push_layout LAYOUT_REF DEST [SKOPEO_ARGS...]: copies oci:DIR:TAG to docker://DEST over plain HTTP.
push_layout() {
  local src=$1 dest=$2
  shift 2
  skopeo copy --quiet --dest-tls-verify=false "$@" "$src" "docker://$dest" >&2
}

readonly default_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Fixed timestamps make base image digests the same on every machine and rebuild.
readonly fixed_epoch=1704067200
readonly fixed_created=2024-01-01T00:00:00Z

# make_layout ROOTFS LAYOUT_DIR ARCH CMD CREATED_BY [insert]: one-layer OCI layout tagged "latest".
# Default: the layer is a GNU tar (POSIX format, sorted, root-owned, fixed mtimes, with the
# end-of-archive blocks) added verbatim by `umoci raw add-layer`: reproducible digests.
# "insert": `umoci insert` writes the layer instead; real mtimes, a leading "/" entry and, with
# umoci 0.4.7, no end-of-archive blocks (a quirk worth testing against).
make_layout() {
  local root=$1 image=$2 arch=$3 cmd=$4 created_by=$5 mode=${6-}
  umoci init --layout "$image"
  umoci new --image "$image:latest"
  if [[ $mode == insert ]]; then
    umoci insert --image "$image:latest" --history.created_by "$created_by" "$root" /
  else
    local tarball=$image.layer.tar
    local entries=()
    mapfile -t entries < <(cd "$root" && ls -A)
    tar -C "$root" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$fixed_epoch" \
      --format=posix --pax-option=delete=atime,delete=ctime -cf "$tarball" -- "${entries[@]}"
    umoci raw add-layer --image "$image:latest" \
      --history.created "$fixed_created" --history.created_by "$created_by" "$tarball"
    rm -f "$tarball"
  fi
  local created=$fixed_created
  [[ $mode == insert ]] && created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  umoci config --image "$image:latest" --no-history --created "$created" \
    --config.cmd "$cmd" --config.env "PATH=$default_path" \
    --architecture "$arch" --os linux
  umoci gc --layout "$image"
}

# Options shared by the image scripts: --push REF, --creds USER:PASS, --format oci|v2s2.
push_ref=
push_creds=
push_format=
# Set by take_push_option for the caller's `shift`.
# shellcheck disable=SC2034
shift_by=0
# take_push_option ARGS...: recognises one push option; returns 1 if $1 is not one (sets shift_by).
# shellcheck disable=SC2034
take_push_option() {
  case $1 in
    --push) push_ref=$2; shift_by=2 ;;
    --creds) push_creds=$2; shift_by=2 ;;
    --format)
      case $2 in oci|v2s2) ;; *) die "--format must be oci or v2s2" ;; esac
      push_format=$2; shift_by=2
      ;;
    *) return 1 ;;
  esac
}

# push_or_print LAYOUT_REF: pushes to --push if given (printing the pushed reference), else prints LAYOUT_REF.
push_or_print() {
  local ref=$1
  if [[ -z $push_ref ]]; then
    echo "$ref"
    return 0
  fi
  local args=()
  [[ -n $push_creds ]] && args+=(--dest-creds "$push_creds")
  [[ -n $push_format ]] && args+=(--format "$push_format")
  push_layout "$ref" "$push_ref" "${args[@]}"
  echo "$push_ref"
}
