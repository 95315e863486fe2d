#!/usr/bin/env bash
# Runs podman with a private configuration that works on these machines (runc, cgroupfs, vfs storage,
# no network, explicit ulimits, file events), trusting one plain-HTTP test registry.
#
# Usage: scripts/testbed/podman.sh --work DIR --registry HOST:PORT [--creds USER:PASS] PODMAN-ARGS...
#   e.g. podman.sh --work /tmp/p --registry 127.0.0.1:5000 --creds u:p run --rm 127.0.0.1:5000/app:1
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work=
registry=
creds=
while (($#)); do
  case $1 in
    --work) work=$2; shift 2 ;;
    --registry) registry=$2; shift 2 ;;
    --creds) creds=$2; shift 2 ;;
    *) break ;;
  esac
done
[[ -n $work && -n $registry ]] || die "usage: podman.sh --work DIR --registry HOST:PORT [--creds USER:PASS] PODMAN-ARGS..."
mkdir -p "$work"
work=$(cd "$work" && pwd)

cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
runtime = "runc"
tmp_dir = "$work/run"
volume_path = "$work/volumes"
CONF
cat >"$work/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/runroot"
CONF
cat >"$work/registries.conf" <<CONF
unqualified-search-registries = []

[[registry]]
location = "$registry"
insecure = true
CONF
[[ -f $work/auth.json ]] || echo '{}' >"$work/auth.json"

export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf
export CONTAINERS_REGISTRIES_CONF=$work/registries.conf REGISTRY_AUTH_FILE=$work/auth.json
if [[ -n $creds ]]; then
  podman login --tls-verify=false -u "${creds%%:*}" --password-stdin "$registry" <<<"${creds#*:}" >/dev/null
fi
exec podman "$@"
