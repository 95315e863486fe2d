#!/usr/bin/env bash
# Runs a command as PID 1 of a throwaway container, without a container engine, the way a CI runner
# starts the executor: an overlay of ROOTFS (read-only lower) at DIR/merged, /proc, a /dev tmpfs with
# the usual devices, /etc/hosts, /etc/resolv.conf and /etc/hostname bind-mounted, optional extra bind
# mounts, then pivot_root. The host's ROOTFS stays untouched whatever the command deletes.
#
# Usage: scripts/testbed/run-as-container.sh --rootfs ROOTFS --work DIR [--bind HOST:INSIDE]... -- COMMAND [ARGS...]
# The command's exit code is returned. Needs root (or a user namespace) and busybox-static on the host.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rootfs=
work=
binds=()
while (($#)); do
  case $1 in
    --rootfs) rootfs=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --bind) binds+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n $rootfs && -n $work && $# -gt 0 ]] || die "usage: run-as-container.sh --rootfs ROOTFS --work DIR [--bind HOST:INSIDE]... -- COMMAND [ARGS...]"
[[ -x /bin/busybox ]] || die "busybox-static is missing: run scripts/testbed/install.sh"
rootfs=$(cd "$rootfs" && pwd)
mkdir -p "$work"/{upper,overlay-work,merged}
work=$(cd "$work" && pwd)

# Everything below runs in new mount and PID namespaces; the mounts vanish with them.
exec unshare --mount --pid --fork --propagation private -- /bin/bash -euo pipefail -c '
  rootfs=$1 work=$2; shift 2
  root=$work/merged
  mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/overlay-work" "$root"
  mkdir -p "$root/proc" "$root/dev" "$root/etc" "$root/.oldroot"
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=755 tmpfs "$root/dev"
  for device in null zero full random urandom tty; do
    touch "$root/dev/$device"
    mount --bind "/dev/$device" "$root/dev/$device"
  done
  for file in hosts resolv.conf hostname; do
    [[ -e /etc/$file ]] || continue
    [[ -e $root/etc/$file ]] || touch "$root/etc/$file"
    mount --bind "/etc/$file" "$root/etc/$file"
  done
  while [[ $1 != -- ]]; do
    host=${1%%:*} inside=${1#*:}
    mkdir -p "$root$inside"
    mount --bind "$host" "$root$inside"
    shift
  done
  shift
  cd "$root"
  pivot_root . .oldroot
  # The old root is gone after this; only the static busybox we still hold a path to runs here.
  /.oldroot/bin/busybox umount -l /.oldroot
  exec "$@"
' run-as-container "$rootfs" "$work" "${binds[@]}" -- "$@"
