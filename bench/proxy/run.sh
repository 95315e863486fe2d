#!/usr/bin/env bash
# Pushes and pulls a one-layer image of SIZE_MB (default 1024) with skopeo, directly to an htpasswd
# registry and through credproxy (a listener bound to that registry), RUNS times each, alternating.
# Prints per-run times, medians, the proxy/direct ratio and the proxy's peak RSS.
# BASELINE_REF=<git ref> adds a third mode, "base": the same through credproxy built from that ref, to tell
# a change's own cost from the machine's noise.
# Needs: docker-registry, apache2-utils (htpasswd), skopeo, python3, dotnet. Loopback only.
set -euo pipefail

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/credproxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
now() { date +%s.%N; }

echo "building credproxy (Release)..." >&2
dotnet build -c Release -o "$WORK/bin" "$ROOT/src/CredProxy/CredProxy.csproj" -v q -nologo >/dev/null
MODES=(direct proxy)
if [ -n "${BASELINE_REF:-}" ]; then
  echo "building credproxy at $BASELINE_REF (Release)..." >&2
  mkdir -p "$WORK/base-src"
  git -C "$ROOT" archive "$BASELINE_REF" Directory.Build.props src/CredProxy | tar -x -C "$WORK/base-src"
  dotnet build -c Release -o "$WORK/base-bin" "$WORK/base-src/src/CredProxy/CredProxy.csproj" -v q -nologo >/dev/null
  MODES+=(base)
fi

echo "making a ${SIZE_MB} MB image..." >&2
IMG="$WORK/image"
mkdir -p "$IMG/blobs/sha256" "$WORK/layer"
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$WORK/layer/data.bin"
# gzip with stored blocks: skopeo copies it as it is (it would compress a plain tar itself, timing gzip).
tar -C "$WORK/layer" -cf - data.bin | python3 -c '
import gzip, shutil, sys
with gzip.GzipFile(fileobj=open(sys.argv[1], "wb"), mode="wb", compresslevel=0, mtime=0) as out:
    shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)' "$WORK/layer.tar.gz"
DIFF_ID=$(tar -C "$WORK/layer" -cf - data.bin | sha256sum | cut -d' ' -f1)
rm -rf "$WORK/layer"
LAYER=$(sha "$WORK/layer.tar.gz"); LAYER_SIZE=$(stat -c %s "$WORK/layer.tar.gz")
mv "$WORK/layer.tar.gz" "$IMG/blobs/sha256/$LAYER"
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$DIFF_ID" > "$WORK/config.json"
CONFIG=$(sha "$WORK/config.json"); CONFIG_SIZE=$(stat -c %s "$WORK/config.json"); mv "$WORK/config.json" "$IMG/blobs/sha256/$CONFIG"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$CONFIG" "$CONFIG_SIZE" "$LAYER" "$LAYER_SIZE" > "$WORK/manifest.json"
MANIFEST=$(sha "$WORK/manifest.json"); MANIFEST_SIZE=$(stat -c %s "$WORK/manifest.json"); mv "$WORK/manifest.json" "$IMG/blobs/sha256/$MANIFEST"
printf '{"imageLayoutVersion":"1.0.0"}' > "$IMG/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
  "$MANIFEST" "$MANIFEST_SIZE" > "$IMG/index.json"

REG_PORT=$(free_port)
htpasswd -Bbn bench bench-pass > "$WORK/htpasswd"
cat > "$WORK/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/registry}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$REG_PORT, secret: bench}
auth: {htpasswd: {realm: bench, path: $WORK/htpasswd}}
YML
# A fresh registry (empty storage) before every push: otherwise skopeo's blob-info cache turns later
# pushes into cross-repository mounts and nothing is uploaded.
REG_PID=
fresh_registry() {
  if [ -n "$REG_PID" ]; then kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; rm -rf "$WORK/registry"; fi
  docker-registry serve "$WORK/registry.yml" >>"$WORK/registry.log" 2>&1 & REG_PID=$!; PIDS+=($REG_PID)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$REG_PORT/v2/" && return; sleep 0.1; done
  echo "registry did not start" >&2; exit 1
}
fresh_registry

start_proxy() { # $1 bin dir, $2 bound port, $3 name; sets LAST_PID
  CREDPROXY_REGISTRY_1_HOST=127.0.0.1:$REG_PORT CREDPROXY_REGISTRY_1_INSECURE=true \
  CREDPROXY_REGISTRY_1_USERNAME=bench CREDPROXY_REGISTRY_1_PASSWORD=bench-pass \
  CREDPROXY_REGISTRY_1_LISTEN=127.0.0.1:$2 \
    dotnet "$1/credproxy.dll" --listen 127.0.0.1:0 --no-push-token >"$WORK/$3.out" 2>"$WORK/$3.err" & LAST_PID=$!; PIDS+=($LAST_PID)
  for _ in $(seq 100); do grep -q "for registry" "$WORK/$3.out" 2>/dev/null && break; sleep 0.1; done
  grep -q "for registry" "$WORK/$3.out" || { cat "$WORK/$3.err" >&2; exit 1; }
}
BOUND_PORT=$(free_port)
start_proxy "$WORK/bin" "$BOUND_PORT" proxy; PROXY_PID=$LAST_PID
BASE_PORT=
if [ -n "${BASELINE_REF:-}" ]; then BASE_PORT=$(free_port); start_proxy "$WORK/base-bin" "$BASE_PORT" base; BASE_PID=$LAST_PID; fi
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$REG_PORT/v2/" && break; sleep 0.1; done

SKOPEO=(skopeo --insecure-policy copy --quiet)
port_of() { if [ "$1" = base ]; then echo "$BASE_PORT"; else echo "$BOUND_PORT"; fi; }
push() { # $1 direct|proxy|base, $2 repo
  if [ "$1" = direct ]; then "${SKOPEO[@]}" --dest-tls-verify=false --dest-creds bench:bench-pass "oci:$IMG:v1" "docker://127.0.0.1:$REG_PORT/$2:v1"
  else "${SKOPEO[@]}" --dest-tls-verify=false --dest-no-creds "oci:$IMG:v1" "docker://127.0.0.1:$(port_of "$1")/$2:v1"; fi
}
pull() { # $1 direct|proxy|base, $2 repo, $3 dir
  if [ "$1" = direct ]; then "${SKOPEO[@]}" --src-tls-verify=false --src-creds bench:bench-pass "docker://127.0.0.1:$REG_PORT/$2:v1" "oci:$3:v1"
  else "${SKOPEO[@]}" --src-tls-verify=false --src-no-creds "docker://127.0.0.1:$(port_of "$1")/$2:v1" "oci:$3:v1"; fi
}

declare -A TIMES
for run in $(seq "$RUNS"); do
  for mode in "${MODES[@]}"; do
    repo="bench/$mode-$run"
    fresh_registry
    t0=$(now); push "$mode" "$repo"; t1=$(now)
    dir="$WORK/pull-$mode-$run"; mkdir -p "$dir"
    t2=$(now); pull "$mode" "$repo" "$dir"; t3=$(now)
    test -f "$dir/blobs/sha256/$LAYER" || { echo "pull of $repo lost the layer" >&2; find "$dir" >&2; exit 1; }
    rm -rf "$dir"
    push_s=$(echo "$t1 - $t0" | bc); pull_s=$(echo "$t3 - $t2" | bc)
    TIMES[$mode-push]+="$push_s "; TIMES[$mode-pull]+="$pull_s "
    printf 'run %d %-6s push %6.2f s  pull %6.2f s\n' "$run" "$mode" "$push_s" "$pull_s"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
RSS_KB=$(awk '/VmHWM/ {print $2}' "/proc/$PROXY_PID/status")
echo
printf '%s MB image, %d runs each, medians:\n' "$SIZE_MB" "$RUNS"
for op in push pull; do
  d=$(echo "${TIMES[direct-$op]}" | median); p=$(echo "${TIMES[proxy-$op]}" | median)
  printf '  %s: direct %.2f s (%.0f MB/s), proxy %.2f s (%.0f MB/s), proxy/direct %.2f\n' \
    "$op" "$d" "$(echo "$SIZE_MB / $d" | bc -l)" "$p" "$(echo "$SIZE_MB / $p" | bc -l)" "$(echo "$p / $d" | bc -l)"
  if [ -n "$BASE_PORT" ]; then
    b=$(echo "${TIMES[base-$op]}" | median)
    printf '  %s: base (%s) %.2f s, base/direct %.2f, proxy/base %.2f\n' "$op" "$BASELINE_REF" "$b" "$(echo "$b / $d" | bc -l)" "$(echo "$p / $b" | bc -l)"
  fi
done
printf '  proxy peak RSS: %d MB\n' "$((RSS_KB / 1024))"
# The proxy's own CPU (user+sys) over all its runs: on a 2-core machine it competes with skopeo and the
# registry, so this is where a slower proxy shows first.
CPU_TICKS=$(awk '{print $14 + $15}' "/proc/$PROXY_PID/stat")
printf '  proxy CPU: %.2f s for %d pushes and %d pulls (%.2f s per GB moved)\n' \
  "$(echo "$CPU_TICKS / $(getconf CLK_TCK)" | bc -l)" "$RUNS" "$RUNS" \
  "$(echo "$CPU_TICKS / $(getconf CLK_TCK) / ($RUNS * 2 * $SIZE_MB / 1024)" | bc -l)"
if [ -n "$BASE_PORT" ]; then printf '  base peak RSS: %d MB\n' "$(($(awk '/VmHWM/ {print $2}' "/proc/$BASE_PID/status") / 1024))"; fi
printf '  machine load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
