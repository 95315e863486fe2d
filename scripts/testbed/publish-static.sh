#!/usr/bin/env bash
# Publishes a project as a fully static NativeAOT binary (runs in a busybox or scratch root, e.g. in
# run-in-sandbox.sh), cached by a hash of the sources, so unchanged code is published only once.
#
# Usage: scripts/testbed/publish-static.sh [PROJECT]   (default src/Executor/Executor.csproj)
# Prints the path of the binary. Cache: $KANIKO_TESTBED_CACHE/publish/NAME-HASH/.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

project=${1:-src/Executor/Executor.csproj}
case $project in -h|--help) sed -n '2,7p' "$0"; exit 0 ;; esac
[[ $project = /* ]] || project=$repo_root/$project
[[ -f $project ]] || die "no such project: $project"

# Everything that can change the binary: all sources under src/ and the shared build files.
hash=$(
  cd "$repo_root"
  {
    find src -type f -not -path '*/bin/*' -not -path '*/obj/*' -print0
    find . -maxdepth 1 -type f \( -name 'Directory.*' -o -name 'global.json' -o -name 'NuGet.config' \) -print0
  } | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)
name=$(basename "$project" .csproj)
entry=$cache_dir/publish/$name-$hash

publish() {
  [[ -f $entry/done ]] && return 0
  local work=$entry.tmp
  rm -rf "$work"
  log "dotnet publish $name (NativeAOT, static; cached as $name-$hash)"
  if ! dotnet publish "$project" -c Release -r linux-x64 -o "$work" \
    -p:PublishAot=true -p:StaticExecutable=true -p:PositionIndependentExecutable=false \
    -p:InvariantGlobalization=true -p:StaticOpenSslLinking=true >"$cache_dir/publish/$name.log" 2>&1; then
    tail -n 40 "$cache_dir/publish/$name.log" >&2
    die "publish failed (log: $cache_dir/publish/$name.log)"
  fi
  rm -rf "$entry"
  mv "$work" "$entry"
  touch "$entry/done"
  # Keep the three newest builds of this project.
  local old
  while read -r old; do
    rm -rf "$old"
  done < <(find "$cache_dir/publish" -mindepth 1 -maxdepth 1 -type d -name "$name-*" -printf '%T@ %p\n' \
    | sort -rn | tail -n +4 | cut -d' ' -f2-)
}

mkdir -p "$cache_dir/publish"
with_lock "publish-$name" publish
binary=$(find "$entry" -maxdepth 1 -type f -executable -not -name '*.dbg' -not -name '*.so' | head -n1)
[[ -n $binary ]] || die "no executable in $entry"
echo "$binary"
