#!/usr/bin/env bash
# Benchmarks the Dockerfile front end on a generated Dockerfile (default 10 MB), each measurement
# in its own process so peak RSS belongs to it alone, and a tenth of the size to check that time
# grows linearly. Targets for 10 MB: < 1 s and < 200 MB peak RSS for parsing.
# Usage: bench/parser/run.sh [megabytes]        FUZZ=100000 [FUZZ_SEED=n] also runs a long fuzz.
# CPU time is reported next to wall time because shared CI machines make wall time noisy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
size="${1:-10}"
small="$(awk "BEGIN{print $size/10}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet build "$here/ParserBench.csproj" -c Release -o "$work/bin" -nologo -v quiet >/dev/null
bench=(dotnet "$work/bin/ParserBench.dll")

"${bench[@]}" generate "$size" "$work/large.Dockerfile"
"${bench[@]}" generate "$small" "$work/small.Dockerfile"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for file in large small; do
  "${bench[@]}" parse "$work/$file.Dockerfile"
  "${bench[@]}" plan "$work/$file.Dockerfile"
done

echo "== extreme shapes"
"${bench[@]}" shapes

if [[ -n "${FUZZ:-}" ]]; then
  "${bench[@]}" fuzz "$FUZZ" "${FUZZ_SEED:-1}"
fi
