#!/usr/bin/env bash
# Layer cache benchmark: a cold build (empty cache: every step runs and is pushed to the cache) and a warm
# build (same input, fresh build root and storage as in CI: every RUN step comes from the cache), for the
# executor (--cache --cache-copy-layers) and for buildah (--layers --cache-to/--cache-from, vfs storage,
# fresh storage per build), each build followed by its push. RUNS runs, the tool order alternating.
# Prints per-build times, medians and ratios, and the load average before and after.
# Usage: bench/cache/run.sh   (env: RUNS=3 SIZE_MB=32 FILES=5000 SLEEP=2)
# Needs the test bed (scripts/testbed/install.sh) and dotnet. Loopback only.
set -euo pipefail

RUNS=${RUNS:-3}
SIZE_MB=${SIZE_MB:-32}
FILES=${FILES:-5000}
SLEEP=${SLEEP:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/cache-bench.XXXXXX)
cleanup() {
  "$ROOT/scripts/testbed/stop-registry.sh" --dir "$WORK/registry" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "load before: $(cat /proc/loadavg)"
echo "building the executor (Release)..." >&2
dotnet build -c Release -o "$WORK/bin" "$ROOT/src/Executor/Executor.csproj" -v q -nologo >/dev/null
eval "$("$ROOT/scripts/testbed/start-registry.sh" --dir "$WORK/registry")"
"$ROOT/scripts/testbed/make-busybox-image.sh" --push "$REGISTRY/library/busybox:latest" >/dev/null 2>&1

mkdir -p "$WORK/context"
echo "app" > "$WORK/context/app.txt"
cat > "$WORK/context/Dockerfile" <<DOCKERFILE
FROM $REGISTRY/library/busybox:latest
RUN head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom > /blob
RUN mkdir /many && cd /many && i=0 && while [ \$i -lt $FILES ]; do : > f\$i; i=\$((i + 1)); done
RUN sleep $SLEEP && echo compiled > /compiled
COPY app.txt /app.txt
RUN cat /app.txt /compiled > /out
DOCKERFILE

now() { date +%s.%N; }
declare -A TIMES

ours() { # $1 run, $2 cold|warm
  local start end
  start=$(now)
  dotnet "$WORK/bin/executor.dll" --context "$WORK/context" --destination "$REGISTRY/bench/ours-$1:$2" --insecure \
    --cache --cache-copy-layers --root "$WORK/ours-root-$1-$2" --kaniko-dir "$WORK/ours-kaniko-$1-$2" >"$WORK/ours-$1-$2.log" 2>&1 \
    || { tail -20 "$WORK/ours-$1-$2.log" >&2; exit 1; }
  end=$(now)
  rm -rf "$WORK/ours-root-$1-$2"
  TIMES[ours-$2]+="$(echo "$end - $start" | bc) "
}

buildah_build() { # $1 run, $2 cold|warm
  local start end storage=$WORK/buildah-$1-$2
  local args=(--root "$storage/root" --runroot "$storage/run" --storage-driver vfs)
  start=$(now)
  { buildah "${args[@]}" bud --isolation chroot --tls-verify=false --layers \
      --cache-to "$REGISTRY/bench/buildah-$1/cache" --cache-from "$REGISTRY/bench/buildah-$1/cache" \
      -t "$REGISTRY/bench/buildah-$1:$2" "$WORK/context" \
    && buildah "${args[@]}" push --tls-verify=false "$REGISTRY/bench/buildah-$1:$2"; } >"$WORK/buildah-$1-$2.log" 2>&1 \
    || { tail -20 "$WORK/buildah-$1-$2.log" >&2; exit 1; }
  end=$(now)
  buildah "${args[@]}" rm --all >/dev/null 2>&1 || true
  rm -rf "$storage" 2>/dev/null || true
  TIMES[buildah-$2]+="$(echo "$end - $start" | bc) "
}

for run in $(seq 1 "$RUNS"); do
  echo "run $run/$RUNS..." >&2
  if ((run % 2)); then
    ours "$run" cold; ours "$run" warm; buildah_build "$run" cold; buildah_build "$run" warm
  else
    buildah_build "$run" cold; buildah_build "$run" warm; ours "$run" cold; ours "$run" warm
  fi
  hits=$(grep -c "Using caching version of cmd" "$WORK/ours-$run-warm.log" || true)
  [[ $hits == 5 ]] || { echo "ours: expected 5 cache hits in the warm build, got $hits" >&2; exit 1; }
  echo "run $run: buildah warm build cache hits: $(grep -ci "using cache" "$WORK/buildah-$run-warm.log" || true) of 5" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf '%-14s %s\n' "build" "times (s)"
for key in ours-cold ours-warm buildah-cold buildah-warm; do
  printf '%-14s %s  median %.2f\n' "$key" "${TIMES[$key]}" "$(median <<<"${TIMES[$key]}")"
done
oc=$(median <<<"${TIMES[ours-cold]}"); ow=$(median <<<"${TIMES[ours-warm]}")
bc_=$(median <<<"${TIMES[buildah-cold]}"); bw=$(median <<<"${TIMES[buildah-warm]}")
printf 'warm/cold: ours %.2f, buildah %.2f; ours/buildah: cold %.2f, warm %.2f\n' \
  "$(echo "$ow / $oc" | bc -l)" "$(echo "$bw / $bc_" | bc -l)" "$(echo "$oc / $bc_" | bc -l)" "$(echo "$ow / $bw" | bc -l)"
echo "load after: $(cat /proc/loadavg)"
