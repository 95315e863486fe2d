#!/usr/bin/env bash
# Stops a registry started by start-registry.sh. Leaves DIR in place (delete it yourself).
#
# Usage: scripts/testbed/stop-registry.sh --dir DIR | --pid PID
set -euo pipefail

pid=
dir=
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --pid) pid=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "stop-registry.sh: unknown argument: $1" >&2; exit 1 ;;
  esac
done
if [[ -z $pid && -n $dir && -f $dir/registry.pid ]]; then
  pid=$(<"$dir/registry.pid")
fi
[[ -n $pid ]] || { echo "stop-registry.sh: nothing to stop" >&2; exit 0; }

if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in {1..100}; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  kill -KILL "$pid" 2>/dev/null || true
fi
[[ -n $dir ]] && rm -f "$dir/registry.pid" "$dir/registry.addr"
exit 0
