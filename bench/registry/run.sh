#!/usr/bin/env bash
# Pushes and pulls a random image (default 1 GiB in 4 layers) with our registry client and with
# `skopeo copy`, against the same kind of local docker-registry, several runs; prints each timing,
# the medians, the ratio ours/skopeo (target <= 1.1) and peak memory (ours: target < 150 MB).
# Also "unpack": what a build does with a base image (ours: download and unpack each layer while it
# downloads, blobs kept; peer: skopeo copy to an OCI layout, then pigz -dc | tar -x per layer).
#
# Usage: bench/registry/run.sh [--size-mb N] [--layers N] [--runs N] [--work DIR] [--aot]
#   --aot: time a NativeAOT build of our side (as the executor ships) instead of `dotnet registry-bench.dll`.
# Needs: dotnet, docker-registry, skopeo, curl, jq, pigz, /usr/bin/time (scripts/testbed/install.sh installs
# all but pigz: apt-get install pigz).
# Every push goes to a fresh registry (no blob is already there for either tool); pulls read what was pushed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

size_mb=1024
layers=4
runs=3
work=
aot=false
while (($#)); do
  case $1 in
    --size-mb) size_mb=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --aot) aot=true; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
work=${work:-$(mktemp -d /var/tmp/registry-bench.XXXXXX)}
mkdir -p "$work"

registry_pid=
stop_registry() {
  if [[ -n $registry_pid ]]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=
  fi
}
cleanup() {
  stop_registry
  rm -rf "$work"
}
trap cleanup EXIT

# start_registry DIR: a fresh docker-registry on a free port; sets $registry.
start_registry() {
  local dir=$1 port
  mkdir -p "$dir/data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port, secret: bench}
YAML
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  registry_pid=$!
  registry=127.0.0.1:$port
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://$registry/v2/" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "docker-registry did not start in $dir" >&2
  exit 1
}

# timed NAME CMD...: runs CMD, appends "NAME seconds max_rss_mb" to $work/results.
timed() {
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  end=$(date +%s.%N)
  local seconds rss
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  rss=$(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")
  echo "$name $seconds $rss" | tee -a "$work/results"
}

if $aot; then
  echo "publishing the bench (NativeAOT)..." >&2
  dotnet publish -c Release -r linux-x64 -p:PublishAot=true -p:InvariantGlobalization=true "$repo/bench/registry" -o "$work/aot" -v q --nologo >/dev/null
  bench=("$work/aot/registry-bench")
else
  echo "building the bench (Release)..." >&2
  dotnet build -c Release "$repo/bench/registry" -v q --nologo >/dev/null
  bench=(dotnet "$repo/bench/registry/bin/Release/net10.0/registry-bench.dll")
fi

# The peer of "unpack": skopeo copies the image into an OCI layout, then each layer is unpacked in order.
cat >"$work/peer-unpack.sh" <<'PEER'
#!/usr/bin/env bash
set -euo pipefail
ref=$1 dir=$2
mkdir -p "$dir"
skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$ref" "oci:$dir/layout:x"
mkdir -p "$dir/root"
manifest=$(jq -r '.manifests[0].digest' "$dir/layout/index.json")
for digest in $(jq -r '.layers[].digest' "$dir/layout/blobs/sha256/${manifest#sha256:}"); do
  pigz -dc "$dir/layout/blobs/sha256/${digest#sha256:}" | tar -x -C "$dir/root"
done
PEER
chmod +x "$work/peer-unpack.sh"

echo "generating a ${size_mb} MiB image in $layers layers..." >&2
"${bench[@]}" gen "$work/layout" "$size_mb" "$layers" >/dev/null
: >"$work/results"

for run in $(seq 1 "$runs"); do
  # Alternate who goes first, so page cache and machine noise do not favour one tool.
  if ((run % 2)); then order=(ours skopeo); else order=(skopeo ours); fi
  for tool in "${order[@]}"; do
    start_registry "$work/reg-$run-$tool"
    if [[ $tool == ours ]]; then
      timed push-ours "${bench[@]}" push "$work/layout" "$registry/bench/app:$run"
    else
      timed push-skopeo skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/layout:bench" "docker://$registry/bench/app:$run"
    fi
    for puller in "${order[@]}"; do
      if [[ $puller == ours ]]; then
        timed pull-ours "${bench[@]}" pull "$registry/bench/app:$run" "$work/pull-$run-$tool-ours"
      else
        timed pull-skopeo skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$registry/bench/app:$run" "oci:$work/pull-$run-$tool-skopeo:x"
      fi
    done
    # Unpacking writes into fresh folders (TESTBED.md: never time file creation right after a mass delete).
    for unpacker in "${order[@]}"; do
      if [[ $unpacker == ours ]]; then
        timed unpack-ours "${bench[@]}" unpack "$registry/bench/app:$run" "$work/unpack-$run-$tool-ours"
      else
        timed unpack-skopeo "$work/peer-unpack.sh" "$registry/bench/app:$run" "$work/unpack-$run-$tool-skopeo"
      fi
    done
    stop_registry
    rm -rf "$work/reg-$run-$tool" "$work"/pull-"$run"-"$tool"-* "$work"/unpack-"$run"-"$tool"-*
  done
done

echo
echo "size ${size_mb} MiB in $layers layers, $runs runs (seconds; peak RSS MB)"
for op in push pull unpack; do
  ours=$(awk -v n="$op-ours" '$1 == n { print $2 }' "$work/results" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  skopeo=$(awk -v n="$op-skopeo" '$1 == n { print $2 }' "$work/results" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  ours_rss=$(awk -v n="$op-ours" '$1 == n && $3 > m { m = $3 } END { print m }' "$work/results")
  skopeo_rss=$(awk -v n="$op-skopeo" '$1 == n && $3 > m { m = $3 } END { print m }' "$work/results")
  awk -v op="$op" -v o="$ours" -v s="$skopeo" -v orss="$ours_rss" -v srss="$skopeo_rss" 'BEGIN {
    printf "%s: ours median %.2f s (peak %s MB), skopeo median %.2f s (peak %s MB), ratio %.2f\n", op, o, orss, s, srss, o / s }'
done
