#!/usr/bin/env bash
# Runs a command as PID 1 in a container-like root without a container engine (root only):
# new mount and PID namespaces, an overlay (lower = ROOTFS, kept untouched; upper = scratch) as /,
# /proc, a tmpfs /dev with the usual device nodes bound in, /etc/hosts, /etc/resolv.conf and
# /etc/hostname bind-mounted (as container runtimes do), extra binds, then pivot_root. The host
# network stays (127.0.0.1 reaches test registries). The environment is cleared, then PATH, HOME
# and the --env values are set.
#
# Usage: scripts/testbed/run-in-sandbox.sh --rootfs DIR [--scratch DIR] [--bind SRC:DST[:ro]]...
#                                          [--env NAME=VALUE]... [--workdir DIR] [--rootless] -- COMMAND [ARG...]
#   --scratch DIR keeps upper/ (what the command changed), work/ and merged/ there; by default a temp
#   folder is used and deleted. Exit status is the command's.
#   --rootless: start as uid/gid 65534 in a new user namespace that maps only that id to root (no
#   subuid ranges): mknod and chown to other ids fail, as in restricted rootless CI. The lower dir is
#   then a cached copy owned by 65534; bind sources must be readable by 65534.
set -euo pipefail

if [[ ${1-} == --inner ]]; then
  shift
  root=$1 upper=$2 work=$3 merged=$4 workdir=$5 overlay_extra=$6
  shift 6
  binds=()
  envs=()
  while [[ $1 != -- ]]; do
    case $1 in
      --bind) binds+=("$2") ;;
      --env) envs+=("$2") ;;
    esac
    shift 2
  done
  shift

  mount -t overlay overlay -o "lowerdir=$root,upperdir=$upper,workdir=$work$overlay_extra" "$merged"
  mkdir -p "$merged/proc" "$merged/dev" "$merged/etc"
  mount -t proc proc "$merged/proc"
  mount -t tmpfs -o mode=755,nosuid tmpfs "$merged/dev"
  for dev in null zero full random urandom tty; do
    touch "$merged/dev/$dev"
    mount --bind "/dev/$dev" "$merged/dev/$dev"
  done
  mkdir -p "$merged/dev/shm" "$merged/dev/pts"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$merged/dev/shm"
  ln -s /proc/self/fd "$merged/dev/fd"
  ln -s /proc/self/fd/0 "$merged/dev/stdin"
  ln -s /proc/self/fd/1 "$merged/dev/stdout"
  ln -s /proc/self/fd/2 "$merged/dev/stderr"
  for file in hosts resolv.conf hostname; do
    if [[ -e /etc/$file ]]; then
      [[ -e $merged/etc/$file || -L $merged/etc/$file ]] && rm -f "$merged/etc/$file"
      touch "$merged/etc/$file"
      mount --bind "/etc/$file" "$merged/etc/$file"
    fi
  done
  for spec in "${binds[@]}"; do
    IFS=: read -r src dst mode <<<"$spec"
    if [[ -d $src ]]; then
      mkdir -p "$merged$dst"
    else
      mkdir -p "$(dirname "$merged$dst")"
      touch "$merged$dst"
    fi
    mount --bind "$src" "$merged$dst"
    if [[ ${mode-} == ro ]]; then
      mount -o remount,bind,ro "$merged$dst"
    fi
  done

  # pivot_root(".", "."): the old root lands on top of the new one and is detached right away, so no
  # trace (such as an .oldroot folder) is left in the new root. Paths then resolve in the new root, which
  # need not have umount: keep the host's static busybox open and run it through /proc (mounted above).
  exec 8</bin/busybox
  cd "$merged"
  pivot_root . .
  (exec -a busybox /proc/self/fd/8 umount -l .)
  exec 8<&-
  cd "$workdir"

  while read -r name; do
    unset "$name"
  done < <(compgen -e)
  export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
  for assignment in "${envs[@]}"; do
    export "${assignment?}"
  done
  exec "$@"
fi

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rootfs=
scratch=
workdir=/
rootless=
args=()
while (($#)); do
  case $1 in
    --rootfs) rootfs=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --rootless) rootless=1; shift ;;
    --bind|--env) args+=("$1" "$2"); shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run-in-sandbox.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
(($#)) || { echo "run-in-sandbox.sh: no command given (after --)" >&2; exit 2; }
[[ -d $rootfs ]] || { echo "run-in-sandbox.sh: --rootfs must be a folder" >&2; exit 2; }
((EUID == 0)) || { echo "run-in-sandbox.sh: needs root" >&2; exit 2; }

rootfs=$(cd "$rootfs" && pwd)
cleanup=
if [[ -z $scratch ]]; then
  scratch=$(mktemp -d)
  cleanup=$scratch
fi
mkdir -p "$scratch/upper" "$scratch/work" "$scratch/merged"

readonly rootless_id=65534
# A copy of ROOTFS owned by the unprivileged id, cached per source path and mtime.
rootless_entry=
# shellcheck disable=SC2317  # called through with_lock
copy_rootless_lower() {
  [[ -f $rootless_entry.done ]] && return 0
  rm -rf "$rootless_entry"
  mkdir -p "$(dirname "$rootless_entry")"
  cp -a "$rootfs" "$rootless_entry"
  chown -R "$rootless_id:$rootless_id" "$rootless_entry"
  touch "$rootless_entry.done"
}

# The script's text is handed over with bash -c: the unprivileged id may not be able to read this file.
script=$(<"${BASH_SOURCE[0]}")
status=0
if [[ -n $rootless ]]; then
  key=$(printf '%s %s' "$rootfs" "$(stat -c %Y "$rootfs")" | sha256sum | cut -c1-16)
  rootless_entry=$cache_dir/rootless-lower/$key
  with_lock rootless-lower copy_rootless_lower
  lower=$rootless_entry
  chown -R "$rootless_id:$rootless_id" "$scratch"
  setpriv --reuid="$rootless_id" --regid="$rootless_id" --clear-groups \
    unshare --user --map-root-user --mount --pid --fork --propagation private \
    bash -c "$script" run-in-sandbox.sh --inner "$lower" "$scratch/upper" "$scratch/work" "$scratch/merged" \
    "$workdir" ",userxattr" "${args[@]}" -- "$@" || status=$?
else
  # Container runtimes do not grant CAP_SYS_PTRACE: without it, even root cannot read the memory of a
  # non-dumpable process (the executor), which the security tests rely on.
  setpriv --bounding-set -sys_ptrace -- \
    unshare --mount --pid --fork --propagation private \
    bash -c "$script" run-in-sandbox.sh --inner "$rootfs" "$scratch/upper" "$scratch/work" "$scratch/merged" \
    "$workdir" "" "${args[@]}" -- "$@" || status=$?
fi
[[ -z $cleanup ]] || rm -rf "$cleanup"
exit "$status"
