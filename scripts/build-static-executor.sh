#!/usr/bin/env bash
# Publishes the executor as one static NativeAOT binary (no libraries needed), the form that runs as
# PID 1 of its own container after the base image replaced its root. Skips the work when the binary
# is newer than every source file.
# Usage: scripts/build-static-executor.sh [OUTPUT_DIR]   (default artifacts/executor-static)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/artifacts/executor-static}
binary=$out/executor

if [[ -x $binary ]] && [[ -z $(find "$repo/src/Executor" "$repo/Directory.Build.props" -newer "$binary" \
    \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -not -path '*/obj/*' -not -path '*/bin/*' -print -quit) ]]; then
  echo "$binary"
  exit 0
fi

dotnet publish "$repo/src/Executor" -c Release -r linux-x64 --nologo -v quiet \
  -p:PublishAot=true -p:StaticExecutable=true -p:PositionIndependentExecutable=false \
  -p:InvariantGlobalization=true -p:StaticOpenSslLinking=true \
  -o "$out" >&2
echo "$binary"
