#!/usr/bin/env bash
# Opt-in: builds (once, cached; ~20 s) a Debian minbase OCI image with debootstrap from the machine's
# apt mirror, and optionally pushes it.
#
# Usage: scripts/testbed/make-debian-image.sh [--suite bookworm] [--include PKG,PKG] [--push HOST:PORT/REPO:TAG]
#                                             [--creds USER:PASS] [--format oci|v2s2]
# Prints the OCI layout reference (oci:DIR:latest) or, with --push, the pushed reference.
# Cache: $KANIKO_TESTBED_CACHE (default <repo>/.testbed/cache)/debian-SUITE-minbase[-INCLUDES]/oci.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

suite=bookworm
include=
while (($#)); do
  if take_push_option "$@"; then
    shift "$shift_by"
    continue
  fi
  case $1 in
    --suite) suite=$2; shift 2 ;;
    --include) include=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

# The mirror of the machine's apt sources (deb822 first, then the one-line format).
find_mirror() {
  local file=/etc/apt/sources.list.d/debian.sources
  if [[ -f $file ]]; then
    awk -v suite="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }
    ' "$file" | head -n1
    return 0
  fi
  if [[ -f /etc/apt/sources.list ]]; then
    awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list
  fi
}

mirror=$(find_mirror)
mirror=${mirror:-http://deb.debian.org/debian}
key=debian-$suite-minbase${include:+-${include//,/-}}
entry=$cache_dir/$key

build() {
  [[ -f $entry/done ]] && return 0
  local work
  work=$(mktemp -d "$cache_dir/.$key.XXXXXX")
  local root=$work/rootfs
  local args=(--variant=minbase)
  [[ -n $include ]] && args+=("--include=$include")
  log "debootstrap $suite from $mirror (cached after this run)"
  if ! debootstrap "${args[@]}" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    rm -rf "$work"
    die "debootstrap failed"
  fi
  rm -rf "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/cache/apt/archives/*.deb "${root:?}"/dev/*
  make_layout "$root" "$work/oci" "$(dpkg --print-architecture)" /bin/bash "debootstrap --variant=minbase $suite"
  rm -rf "$entry"
  mkdir -p "$entry"
  mv "$work/oci" "$entry/oci"
  rm -rf "$work"
  touch "$entry/done"
}

with_lock "$key" build
push_or_print "oci:$entry/oci:latest"
