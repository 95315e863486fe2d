#!/usr/bin/env bash
# Installs the Debian packages the test bed uses; idempotent and fast when all are present.
# Usage: scripts/testbed/install.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  docker-registry apache2-utils skopeo umoci buildah podman runc
  debootstrap busybox-static jq uidmap pigz curl openssl ca-certificates
  # The static NativeAOT executor links OpenSSL and zlib statically, with gcc.
  libssl-dev zlib1g-dev gcc
)

find_missing() {
  # One dpkg-query for all; packages dpkg has never heard of print nothing and count as missing.
  local -A installed=()
  local pkg status
  while read -r pkg status; do
    [[ $status == "install ok installed" ]] && installed[$pkg]=1
  done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
  missing=()
  for pkg in "${packages[@]}"; do
    [[ -n ${installed[$pkg]-} ]] || missing+=("$pkg")
  done
}

find_missing
if ((${#missing[@]} == 0)); then
  exit 0
fi

# Several test processes may get here at once: one installs, the others wait and re-check.
exec 9>"${TMPDIR:-/tmp}/kaniko-testbed-install.lock"
flock -x 9
find_missing
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  sudo_cmd=(sudo)
fi

echo "testbed: installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=120 update -qq >&2
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
  --no-install-recommends "${missing[@]}" >&2
