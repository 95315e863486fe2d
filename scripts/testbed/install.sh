#!/usr/bin/env bash
# Installs the Debian packages the test bed uses; idempotent and fast when all are present.
# Usage: scripts/testbed/install.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  docker-registry apache2-utils skopeo umoci buildah podman runc
  debootstrap busybox-static jq uidmap pigz curl openssl ca-certificates
)

# One dpkg-query for all; packages dpkg has never heard of print nothing and count as missing.
declare -A installed=()
while read -r pkg status; do
  [[ $status == "install ok installed" ]] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for pkg in "${packages[@]}"; do
  [[ -n ${installed[$pkg]-} ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if ((EUID != 0)); then
  sudo_cmd=(sudo)
fi

echo "testbed: installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
