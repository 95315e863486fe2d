#!/usr/bin/env bash
# Starts a docker-registry (distribution 2.8) on a free 127.0.0.1 port, in the background.
#
# Usage: scripts/testbed/start-registry.sh --dir DIR [--mode plain|htpasswd] [--user USER --pass PASS]
#                                          [--port PORT] [--tls]
#   DIR holds config.yml, htpasswd, data/, registry.log and registry.pid (created if missing).
#   --tls serves HTTPS with a self-signed certificate for 127.0.0.1 and localhost (DIR/registry.crt).
# Prints, once /v2/ answers:
#   REGISTRY=127.0.0.1:PORT
#   REGISTRY_PID=PID
#   REGISTRY_CA=DIR/registry.crt          (with --tls; use as SSL_CERT_FILE)
# so a caller can `eval "$(start-registry.sh --dir d)"`. Stop it with stop-registry.sh --dir DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dir=
mode=plain
user=
pass=
port=
tls=
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --pass) pass=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --tls) tls=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n $dir ]] || die "--dir is required"
mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)

auth=
case $mode in
  plain) ;;
  htpasswd)
    [[ -n $user && -n $pass ]] || die "--mode htpasswd needs --user and --pass"
    htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd"
    auth="auth: {htpasswd: {realm: testbed, path: $dir/htpasswd}}"
    ;;
  *) die "--mode must be plain or htpasswd" ;;
esac

tls_config=
scheme=http
curl_tls=()
if [[ -n $tls ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/registry.key" -out "$dir/registry.crt" 2>/dev/null
  tls_config="  tls: {certificate: $dir/registry.crt, key: $dir/registry.key}"
  scheme=https
  curl_tls=(--cacert "$dir/registry.crt")
fi

cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http:
  addr: 127.0.0.1:5000
  secret: testbed-secret
$tls_config
$auth
YAML

port_in_use() {
  # A successful connect means something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local p
  for _ in {1..50}; do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

start_once() {
  local p=$1
  REGISTRY_HTTP_ADDR=127.0.0.1:$p setsid docker-registry serve "$dir/config.yml" \
    </dev/null >"$dir/registry.log" 2>&1 &
  local pid=$!
  # Ready in ~40 ms here; give it up to 10 s on a loaded machine.
  for _ in {1..500}; do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${curl_tls[@]}" "$scheme://127.0.0.1:$p/v2/" || true)
    if [[ $code == 200 || $code == 401 ]]; then
      echo "$pid" >"$dir/registry.pid"
      echo "127.0.0.1:$p" >"$dir/registry.addr"
      echo "REGISTRY=127.0.0.1:$p"
      echo "REGISTRY_PID=$pid"
      [[ -z $tls ]] || echo "REGISTRY_CA=$dir/registry.crt"
      return 0
    fi
    sleep 0.02
  done
  kill "$pid" 2>/dev/null || true
  die "registry did not answer on 127.0.0.1:$p within 10 s; log: $(cat "$dir/registry.log")"
}

if [[ -n $port ]]; then
  start_once "$port" || die "registry exited: $(cat "$dir/registry.log")"
  exit 0
fi
# A port found free may be taken before the registry binds it: retry a few times.
for _ in {1..5}; do
  start_once "$(pick_port)" && exit 0
done
die "registry failed to start: $(cat "$dir/registry.log")"
