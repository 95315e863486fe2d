#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, builds, tests.
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Registry]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

scripts/testbed/install.sh

# The BuildKit conformance corpus sits beside the repository (shared/), in CI and on developer machines.
if [[ -z ${KANIKO_CONFORMANCE_DIR-} && -d $repo/../shared/conformance ]]; then
  export KANIKO_CONFORMANCE_DIR=$repo/../shared/conformance
fi

dotnet build Kaniko.sln -c Release -warnaserror --nologo -v quiet

# TRX results stay in artifacts/test-results for a look after the run.
results=$repo/artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet test Kaniko.sln -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for the whole suite, summed over the projects' TRX files.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [[ -e $trx ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error)))
  # Skipped tests are counted as total minus executed.
  skipped=$((skipped + $(value total) - $(value executed)))
done
echo "$passed passed, $failed failed, $skipped skipped"
if ((passed == 0 && status == 0)); then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
