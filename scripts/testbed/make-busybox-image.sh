#!/usr/bin/env bash
# Builds (once, cached) a busybox OCI image offline from busybox-static and optionally pushes it.
#
# Usage: scripts/testbed/make-busybox-image.sh [--arch amd64|arm64] [--push HOST:PORT/REPO:TAG]
#                                              [--creds USER:PASS] [--format oci|v2s2] [--rootfs]
#                                              [--umoci-insert]
# Prints the OCI layout reference (oci:DIR:latest) or, with --push, the pushed reference, or with
# --rootfs the folder of the image unpacked by umoci (cached; a read-only lower dir for run-in-sandbox.sh).
# The layer is a reproducible GNU tar; --umoci-insert makes a variant whose layer umoci writes itself
# (real mtimes, a "/" entry, no tar end-of-archive blocks), cached separately.
# Cache: $KANIKO_TESTBED_CACHE (default <repo>/.testbed/cache)/busybox-ARCH/oci.
# A foreign --arch downloads that architecture's busybox-static .deb (apt, no qemu).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=$(dpkg --print-architecture)
want_rootfs=
layer_mode=
while (($#)); do
  if take_push_option "$@"; then
    shift "$shift_by"
    continue
  fi
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --rootfs) want_rootfs=1; shift ;;
    --umoci-insert) layer_mode=insert; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

# The recipe's own hash is part of the cache key: a changed script never reuses an image the old one made.
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-8)
name=busybox-$arch${layer_mode:+-umoci-$layer_mode}-$recipe
entry=$cache_dir/$name

build() {
  [[ -f $entry/done ]] && return 0
  local work
  work=$(mktemp -d "$cache_dir/.$name.XXXXXX")
  local root=$work/rootfs
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/local/sbin,etc,root,home,tmp,proc,sys,dev,var}
  if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    cp /bin/busybox "$root/bin/busybox"
    chroot "$root" /bin/busybox --install -s
  else
    "$testbed_dir/fetch-foreign-deb.sh" --arch "$arch" --dest "$work/deb" busybox-static >/dev/null
    dpkg-deb -x "$work"/deb/busybox-static_*.deb "$work/deb/x"
    cp "$work/deb/x/bin/busybox" "$root/bin/busybox"
    # A foreign binary cannot run here: take the applet list from the host's busybox.
    local applet
    while read -r applet; do
      [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
    done < <(/bin/busybox --list-full)
  fi
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"

  make_layout "$root" "$work/oci" "$arch" /bin/sh "busybox-static rootfs" "$layer_mode"

  rm -rf "$entry"
  mkdir -p "$entry"
  rm -f "$entry/bundle.done"
  mv "$work/oci" "$entry/oci"
  rm -rf "$work"
  touch "$entry/done"
}

unpack() {
  [[ -f $entry/bundle.done ]] && return 0
  rm -rf "$entry/bundle"
  umoci unpack --image "$entry/oci:latest" "$entry/bundle" >/dev/null
  touch "$entry/bundle.done"
}

with_lock "$name" build
if [[ -n $want_rootfs ]]; then
  with_lock "$name" unpack
  echo "$entry/bundle/rootfs"
  exit 0
fi
push_or_print "oci:$entry/oci:latest"
