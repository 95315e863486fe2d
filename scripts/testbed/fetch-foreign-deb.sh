#!/usr/bin/env bash
# Downloads .deb files of another architecture with a private apt state (the machine's package lists,
# dpkg status and architecture stay untouched). Lists and .debs are cached.
#
# Usage: scripts/testbed/fetch-foreign-deb.sh --arch ARCH --dest DIR PACKAGE...
# Prints the paths of the downloaded .deb files.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=
dest=
packages=()
while (($#)); do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --dest) dest=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    -*) die "unknown argument: $1" ;;
    *) packages+=("$1"); shift ;;
  esac
done
[[ -n $arch && -n $dest && ${#packages[@]} -gt 0 ]] || die "usage: --arch ARCH --dest DIR PACKAGE..."

state=$cache_dir/apt-$arch
debs=$state/debs
apt_opts=(
  -o "APT::Architecture=$arch" -o "APT::Architectures=$arch"
  -o "Dir::State=$state/state" -o "Dir::State::Lists=$state/state/lists"
  -o "Dir::State::status=$state/state/status" -o "Dir::Cache=$state/cache"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root
)

fetch() {
  mkdir -p "$state/state/lists/partial" "$state/cache/archives/partial" "$debs"
  touch "$state/state/status"
  if [[ ! -f $state/updated ]]; then
    apt-get "${apt_opts[@]}" -qq update >&2
    touch "$state/updated"
  fi
  local pkg
  for pkg in "${packages[@]}"; do
    if ! compgen -G "$debs/${pkg}_*_$arch.deb" >/dev/null; then
      (cd "$debs" && apt-get "${apt_opts[@]}" -qq download "$pkg:$arch" >&2)
    fi
  done
}

with_lock "apt-$arch" fetch
mkdir -p "$dest"
for pkg in "${packages[@]}"; do
  for deb in "$debs/${pkg}"_*_"$arch".deb; do
    cp "$deb" "$dest/"
    echo "$dest/${deb##*/}"
  done
done
