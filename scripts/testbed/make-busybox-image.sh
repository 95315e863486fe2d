#!/usr/bin/env bash
# Builds (once, cached) a busybox OCI image offline from busybox-static and optionally pushes it.
#
# Usage: scripts/testbed/make-busybox-image.sh [--arch amd64|arm64] [--push HOST:PORT/REPO:TAG]
#                                              [--creds USER:PASS] [--format oci|v2s2]
# Prints the OCI layout reference (oci:DIR:TAG) or, with --push, the pushed reference.
# Cache: $KANIKO_TESTBED_CACHE (default <repo>/.testbed/cache)/busybox-ARCH/.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=amd64
push=
format=
creds=
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --push) push=$2; shift 2 ;;
    --creds) creds=$2; shift 2 ;;
    --format) format=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
case $format in ''|oci|v2s2) ;; *) die "--format must be oci or v2s2" ;; esac

entry=$cache_dir/busybox-$arch
layout=$entry/oci
tag=latest

busybox_deb() {
  if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    return 0
  fi
  # Foreign architecture: download the .deb with a private apt state, no qemu needed.
  "$testbed_dir/fetch-foreign-deb.sh" "$arch" busybox-static "$1"
}

build() {
  [[ -f $entry/done ]] && return 0
  local work
  work=$(mktemp -d "$cache_dir/.busybox-$arch.XXXXXX")
  local root=$work/rootfs
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/sbin,etc,root,home,tmp,proc,sys,dev,var}
  if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    cp /bin/busybox "$root/bin/busybox"
    chroot "$root" /bin/busybox --install -s
  else
    local deb_dir=$work/deb
    mkdir -p "$deb_dir"
    busybox_deb "$deb_dir"
    dpkg-deb -x "$deb_dir"/busybox-static_*.deb "$deb_dir/x"
    cp "$deb_dir/x/bin/busybox" "$root/bin/busybox"
    # Cannot run a foreign binary: take the applet list from the host busybox of the same release.
    local applet
    while read -r applet; do
      [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
    done < <(/bin/busybox --list-full)
  fi
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"

  local image=$work/oci
  umoci init --layout "$image"
  umoci new --image "$image:$tag"
  umoci insert --image "$image:$tag" --history.created_by "busybox-static rootfs" "$root" /
  umoci config --image "$image:$tag" \
    --config.cmd /bin/sh \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --architecture "$arch" --os linux
  umoci gc --layout "$image"

  rm -rf "$entry"
  mkdir -p "$entry"
  mv "$image" "$layout"
  rm -rf "$work"
  touch "$entry/done"
}

with_lock "busybox-$arch" build
ref=oci:$layout:$tag

if [[ -z $push ]]; then
  echo "$ref"
  exit 0
fi

args=()
[[ -n $creds ]] && args+=(--dest-creds "$creds")
[[ -n $format ]] && args+=(--format "$format")
push_layout "$ref" "$push" "${args[@]}"
echo "$push"
