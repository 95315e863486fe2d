#!/usr/bin/env bash
# Pushes a multi-arch busybox image index (linux/amd64 + linux/arm64/v8 by default) built with
# buildah manifest from the cached per-arch busybox images.
#
# Usage: scripts/testbed/make-busybox-index.sh --push HOST:PORT/REPO:TAG [--creds USER:PASS]
#                                              [--format oci|v2s2] [--arch amd64 --arch arm64 ...]
# Prints the pushed reference. The index is OCI (image index) or v2s2 (Docker manifest list).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arches=()
while (($#)); do
  if take_push_option "$@"; then
    shift "$shift_by"
    continue
  fi
  case $1 in
    --arch) arches+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n $push_ref ]] || die "--push is required"
((${#arches[@]})) || arches=(amd64 arm64)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
buildah=(buildah --root "$work/root" --runroot "$work/runroot" --storage-driver vfs)

list=busybox-index
"${buildah[@]}" manifest create "$list" >/dev/null
for arch in "${arches[@]}"; do
  layout=$("$testbed_dir/make-busybox-image.sh" --arch "$arch")
  variant=()
  [[ $arch == arm64 ]] && variant=(--variant v8)
  "${buildah[@]}" manifest add --arch "$arch" --os linux "${variant[@]}" "$list" "$layout" >/dev/null
done

args=(--all --tls-verify=false --quiet)
[[ -n $push_creds ]] && args+=(--creds "$push_creds")
[[ -n $push_format ]] && args+=(--format "$push_format")
"${buildah[@]}" manifest push "${args[@]}" "$list" "docker://$push_ref" >&2
echo "$push_ref"
