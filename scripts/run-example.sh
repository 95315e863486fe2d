#!/usr/bin/env bash
# The main job, end to end, on the bundled example (examples/hello):
#   a local registry that requires credentials, a busybox base image pushed to it,
#   the credential proxy holding those credentials, and the executor building the
#   Dockerfile through the proxy (it never sees a credential), then the pushed image
#   checked with skopeo and run with podman.
# Usage: scripts/run-example.sh [--keep]   (--keep leaves registry and proxy running and prints how to stop them)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
keep=false
[[ ${1-} == --keep ]] && keep=true

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing the test bed's Debian packages (skipped when present)"
scripts/testbed/install.sh

step "Building executor and credproxy"
dotnet publish src/Executor -c Release -o artifacts/executor --nologo -v quiet
dotnet publish src/CredProxy -c Release -o artifacts/credproxy --nologo -v quiet

work=$repo/.testbed/example
rm -rf "$work"
mkdir -p "$work"
user=example
pass=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')

cleanup() {
  [[ -n ${proxy_pid-} ]] && kill "$proxy_pid" 2>/dev/null || true
  scripts/testbed/stop-registry.sh --dir "$work/registry" >/dev/null 2>&1 || true
}
$keep || trap cleanup EXIT

step "Starting a registry that requires credentials"
eval "$(scripts/testbed/start-registry.sh --dir "$work/registry" --mode htpasswd --user "$user" --pass "$pass")"
echo "registry: $REGISTRY (htpasswd, user $user)"

step "Pushing the busybox base image (made offline from Debian's busybox-static)"
scripts/testbed/make-busybox-image.sh --push "$REGISTRY/library/busybox:latest" --creds "$user:$pass" --format v2s2

step "Starting the credential proxy (the only holder of the credentials)"
# The proxy's settings, in a file only root can read (with --keep: for a fresh proxy for the next build).
(umask 077; printf 'CI_REGISTRY=%s\nCI_REGISTRY_USER=%s\nCI_REGISTRY_PASSWORD=%s\nCREDPROXY_INSECURE_REGISTRIES=%s\n' \
  "$REGISTRY" "$user" "$pass" "$REGISTRY" >"$work/proxy.env")
# shellcheck disable=SC2046 # one KEY=value word per line, none with spaces
env $(cat "$work/proxy.env") artifacts/credproxy/credproxy --listen 127.0.0.1:0 >"$work/credproxy.log" 2>&1 &
proxy_pid=$!
proxy=
for _ in $(seq 1 200); do
  proxy=$(sed -n 's/.*credproxy listening on \(http[^ ]*\).*/\1/p' "$work/credproxy.log" | head -1)
  [[ -n $proxy ]] && break
  kill -0 "$proxy_pid" 2>/dev/null || { cat "$work/credproxy.log"; exit 1; }
  sleep 0.05
done
[[ -n $proxy ]] || { echo "credproxy did not start" >&2; cat "$work/credproxy.log"; exit 1; }
echo "proxy: $proxy"

step "Building examples/hello with the executor, through the proxy"
image=$REGISTRY/example/hello:latest
# A clean environment: the executor gets the proxy's address and nothing else.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  artifacts/executor/executor \
  --context examples/hello \
  --destination "$image" \
  --build-arg "BASE=$REGISTRY/library/busybox:latest" \
  --registry-proxy "$proxy" \
  --root "$work/root" \
  --kaniko-dir "$work/kaniko" \
  --digest-file "$work/digest"
echo "digest: $(cat "$work/digest")"

step "Checking the pushed image with skopeo (not our code)"
skopeo inspect --tls-verify=false --creds "$user:$pass" "docker://$image" | jq '{Digest, Layers: (.Layers | length), Env}'
skopeo inspect --tls-verify=false --creds "$user:$pass" --config "docker://$image" | jq '{cmd: .config.Cmd, user: .config.User, workdir: .config.WorkingDir, history: [.history[].created_by]}'

step "Running the image with podman"
scripts/testbed/podman.sh --work "$work/podman" --registry "$REGISTRY" --creds "$user:$pass" run --rm "$image"

step "Done"
echo "Built and pushed $image@$(cat "$work/digest") through the credential proxy."
if $keep; then
  cat <<KEPT

Kept running (--keep); commands below are for the repository root ($repo):
  registry  $REGISTRY (htpasswd; user and password are CI_REGISTRY_USER and CI_REGISTRY_PASSWORD in $work/proxy.env)
  proxy     $proxy (pid $proxy_pid); its push capability is spent: a build through it can pull, not push.
Another build: start a fresh proxy (it prints "credproxy listening on URL"), then give the executor that URL:
  env \$(cat $work/proxy.env) artifacts/credproxy/credproxy --listen 127.0.0.1:0 > $work/proxy2.log 2>&1 &
  sleep 1; grep 'listening on' $work/proxy2.log
  artifacts/executor/executor --context DIR --destination $REGISTRY/NAME:TAG --registry-proxy URL \\
    --build-arg BASE=$REGISTRY/library/busybox:latest --root \$(mktemp -d) --kaniko-dir \$(mktemp -d)
Read it back: skopeo inspect --tls-verify=false --creds USER:PASSWORD docker://$REGISTRY/NAME:TAG
Stop: kill $proxy_pid (and each fresh proxy: kill %1 or its pid); scripts/testbed/stop-registry.sh --dir $work/registry
KEPT
fi
