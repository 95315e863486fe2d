#!/usr/bin/env bash
# Filesystem engine benchmarks: snapshot walk vs find, one-change snapshot, layer extraction vs tar/pigz,
# layer writing, peak RSS. Medians of N interleaved runs, wall and CPU (user+sys) time.
#
#   bench/filesystem/run.sh [N]
#   WORK=/tmp/fsbench         data and results (on disk)
#   EXTRACT_DIR=$WORK         where extraction targets go (a tmpfs such as /dev/shm/x measures CPU, not the disk)
#   AOT=1                     publish FsBench with NativeAOT (as the executor ships); AOT=0 uses the JIT build
#
# Extractions go into fresh directories that are deleted only after all timings: on this machine's ext4,
# creating files right after a mass delete is ~10x slower for minutes (see TESTBED.md, the rm -rf trap), so
# do not run other file-heavy benchmarks right after this script.
set -euo pipefail

N=${1:-5}
WORK=${WORK:-/tmp/fsbench}
EXTRACT_DIR=${EXTRACT_DIR:-$WORK}
AOT=${AOT:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK" "$EXTRACT_DIR"

if [ "$AOT" = 1 ] && dotnet publish "$HERE/FsBench" -c Release -r linux-x64 -p:PublishAot=true -p:InvariantGlobalization=true \
    -o "$WORK/aot" -v quiet -nologo > "$WORK/publish.log" 2>&1; then
  BIN=$WORK/aot/FsBench
  echo "== NativeAOT build: $BIN"
else
  [ "$AOT" = 1 ] && echo "== NativeAOT publish failed (see $WORK/publish.log); using the JIT build"
  dotnet build -c Release "$HERE/FsBench" -o "$WORK/bin" -v quiet -nologo | grep -E "error|warn" || true
  BIN=$WORK/bin/FsBench
  echo "== JIT build: $BIN"
fi

if [ ! -d "$WORK/small" ]; then
  echo "== generate 100,000 small files"
  "$BIN" gen-small "$WORK/small.tmp" 100000 && mv "$WORK/small.tmp" "$WORK/small"
fi
if [ ! -f "$WORK/layer.tar.gz" ]; then
  echo "== generate a 500 MB / 20,000-file tree and its gzip layer (pigz -6)"
  rm -rf "$WORK/layersrc"
  "$BIN" gen-layer "$WORK/layersrc" 20000 500
  tar -C "$WORK/layersrc" -cf - . | pigz -6 > "$WORK/layer.tar.gz.tmp" && mv "$WORK/layer.tar.gz.tmp" "$WORK/layer.tar.gz"
fi

RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

# timed NAME CMD...: appends "wall cpu rss_kb" to $RESULTS/NAME
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$RESULTS/.t" "$@" > "$RESULTS/.out" 2>&1 || { cat "$RESULTS/.out"; return 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$RESULTS/.t" >> "$RESULTS/$name"
}
# median NAME COLUMN (1 wall, 2 cpu, 3 rss)
median() { sort -g -k"$2","$2" "$RESULTS/$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
maximum() { sort -g -k"$2","$2" "$RESULTS/$1" | tail -1 | awk -v c="$2" '{ print $c }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== snapshot walk: find vs ours ($N runs each)"
for _ in $(seq "$N"); do
  timed find find "$WORK/small" -xdev -printf '%i %s %T@ %C@ %m %U %G\n'
done
mkdir -p "$WORK/out"
: > "$RESULTS/snapshot.txt"
for _ in 1 2 3; do
  timed snapshot_process "$BIN" snapshot "$WORK/small" "$N" "$WORK/out"
  cat "$RESULTS/.out" >> "$RESULTS/snapshot.txt"
done
# in-process medians over all runs
inproc() { grep -o "$1=[0-9.]*" "$RESULTS/snapshot.txt" | cut -d= -f2 | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
UNCHANGED=$(inproc unchanged_median_s)
UNCHANGED_CPU=$(inproc unchanged_cpu_median_s)
ONE_CHANGE=$(inproc one_change_median_s)
BASELINE=$(inproc baseline_s)

echo "== extraction of $(du -h "$WORK/layer.tar.gz" | cut -f1) gzip layer: tar -xzf, pigz -dc | tar -x, ours ($N interleaved rounds)"
TARGETS=$EXTRACT_DIR/x-$(date +%s)
mkdir -p "$TARGETS"
# Each extraction leaves ~0.5 GB of dirty pages that the kernel writes back while the next one runs: a
# `sync` (not timed) before each gives every tool the same clean start, and the order rotates per round.
extract_with() { # $1 tool, $2 round
  sync
  case $1 in
    tar) timed tar tar -xzf "$WORK/layer.tar.gz" -C "$TARGETS/tar$2" ;;
    pigz) timed pigz sh -c "pigz -dc '$WORK/layer.tar.gz' | tar -x -C '$TARGETS/pigz$2'" ;;
    ours) timed ours "$BIN" extract "$WORK/layer.tar.gz" "$TARGETS/ours$2" ;;
  esac
}
ORDER=(tar pigz ours)
for i in $(seq "$N"); do
  mkdir "$TARGETS/tar$i" "$TARGETS/pigz$i" "$TARGETS/ours$i"
  for k in 0 1 2; do extract_with "${ORDER[$(((i + k) % 3))]}" "$i"; done
done
diff <(cd "$TARGETS/tar1" && find . -printf '%p %s %m\n' | sort) <(cd "$TARGETS/ours1" && find . -printf '%p %s %m\n' | sort) > /dev/null \
  && echo "   (ours1 and tar1 trees are identical in names, sizes and modes)" || echo "   WARNING: ours1 differs from tar1"

echo "== layer writing: whole 500 MB tree as one gzip layer (level 1) vs tar | gzip -1 and tar | pigz -1"
for i in $(seq "$N"); do
  timed write_ours "$BIN" write-layer "$WORK/layersrc" "$WORK/out/w$i"
  timed write_gzip sh -c "tar -C '$WORK/layersrc' -cf - . | gzip -1 > '$WORK/out/w$i.gz'"
  timed write_pigz sh -c "tar -C '$WORK/layersrc' -cf - . | pigz -1 > '$WORK/out/w$i.pigz'"
  rm -rf "$WORK/out/w$i" "$WORK/out/w$i.gz" "$WORK/out/w$i.pigz"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

FIND_WALL=$(median find 1); FIND_CPU=$(median find 2)
cat <<REPORT

RESULTS ($(basename "$(dirname "$BIN")") build, extraction into $EXTRACT_DIR; medians of $N; wall seconds, cpu = user+sys seconds; this 2-core machine is shared, compare cpu when loaded)
snapshot of unchanged 100k-file tree  ours wall $UNCHANGED  cpu $UNCHANGED_CPU | find wall $FIND_WALL cpu $FIND_CPU | ratio wall $(ratio "$UNCHANGED" "$FIND_WALL") cpu $(ratio "$UNCHANGED_CPU" "$FIND_CPU")  (target <= 2)
snapshot after a one-file change      ours wall $ONE_CHANGE  (target < 1 s)
baseline (first full walk)            ours wall $BASELINE
snapshot process peak RSS             $(( $(maximum snapshot_process 3) / 1024 )) MB  (target < 200 MB)
extract 500 MB / 20k files            ours wall $(median ours 1) cpu $(median ours 2) | tar -xzf wall $(median tar 1) cpu $(median tar 2) | pigz|tar wall $(median pigz 1) cpu $(median pigz 2)
   ratios ours/tar -xzf               wall $(ratio "$(median ours 1)" "$(median tar 1)") cpu $(ratio "$(median ours 2)" "$(median tar 2)")  (target <= 0.5); ours/pigz wall $(ratio "$(median ours 1)" "$(median pigz 1)")
   extraction peak RSS                $(( $(maximum ours 3) / 1024 )) MB
write 500 MB layer (gzip -1)          ours wall $(median write_ours 1) cpu $(median write_ours 2) | tar|gzip -1 wall $(median write_gzip 1) | tar|pigz -1 wall $(median write_pigz 1)
   layer writing peak RSS             $(( $(maximum write_ours 3) / 1024 )) MB
REPORT

echo "== deleting extraction targets (after timing)"
rm -rf "$TARGETS"
