#!/usr/bin/env bash
# Builds the images of both programs with the executor itself and pushes them through the credential
# proxy (both fresh from this checkout):
#   PREFIX/executor:TAG          /kaniko/executor (static NativeAOT), kaniko's layout, no shell
#   PREFIX/executor:TAG-debug    the same plus busybox in /busybox (":debug" when TAG is latest)
#   PREFIX/credproxy:TAG         the proxy, self-contained .NET on a scratch base with Debian's libraries
#
# Usage: scripts/build-images.sh [--destination PREFIX] [--tag TAG] [--tar-path DIR] [--no-push]
#                                [--insecure-registry HOST]... [--docker-config FILE] [--work DIR]
#   --destination PREFIX  repository prefix, e.g. registry.example.com/kaniko-dotnet. Default: a plain
#                         local registry started in WORK/registry (left running; printed as REGISTRY=).
#                         Credentials for PREFIX's registry go to the proxy only, through its own settings
#                         in this script's environment (CI_REGISTRY*, CREDPROXY_REGISTRY_<N>_*, GITHUB_TOKEN)
#                         or --docker-config; see src/CredProxy/README.md.
#   --tag TAG             default latest.
#   --tar-path DIR        also write DIR/executor.tar, DIR/executor-debug.tar, DIR/credproxy.tar (docker-save).
#   --no-push             build (with --tar-path) without any registry.
#   --insecure-registry   a registry reached over plain http (repeatable).
#   --work DIR            staging, build roots and the local registry; default <repo>/.testbed/images.
# Prints the pushed references with their digests, one per line, as IMAGE_<NAME>=REF@DIGEST.
# Publishing is cached by a hash of src/ (scripts/testbed/publish-static.sh and the same for credproxy).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=testbed/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/testbed/lib.sh"

prefix=
tag=latest
tar_dir=
push=true
insecure=()
docker_config=
work=$repo_root/.testbed/images
while (($#)); do
  case $1 in
    --destination) prefix=${2%/}; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --tar-path) tar_dir=$2; shift 2 ;;
    --no-push) push=false; shift ;;
    --insecure-registry) insecure+=("$2"); shift 2 ;;
    --docker-config) docker_config=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "--tag '$tag' is not a valid tag"
if ! $push; then
  [[ -n $tar_dir ]] || die "--no-push builds nothing to keep: add --tar-path DIR"
  [[ -z $prefix ]] || die "--no-push and --destination exclude each other"
fi
[[ -z $docker_config || -f $docker_config ]] || die "--docker-config $docker_config: no such file"
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [[ -n $tar_dir ]]; then
  mkdir -p "$tar_dir"
  tar_dir=$(cd "$tar_dir" && pwd)
fi
debug_tag=$tag-debug
[[ $tag == latest ]] && debug_tag=debug

"$testbed_dir/install.sh"

# ---- Publish both programs -------------------------------------------------------------------------

log "publishing the static executor (cached by a hash of src/)"
executor_binary=$("$testbed_dir/publish-static.sh" src/Executor/Executor.csproj)

# credproxy is ASP.NET with libraries that are not trim- or AOT-safe (Google's and Microsoft's auth
# libraries reflect over their JSON types): self-contained and untrimmed, so the image needs no .NET
# runtime, only glibc, libstdc++, libgcc_s and OpenSSL.
source_hash=$(
  cd "$repo_root"
  {
    find src -type f -not -path '*/bin/*' -not -path '*/obj/*' -print0
    find . -maxdepth 1 -type f \( -name 'Directory.*' -o -name 'global.json' -o -name 'NuGet.config' \) -print0
  } | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
)
credproxy_dir=$cache_dir/publish/credproxy-selfcontained-$source_hash
publish_credproxy() {
  [[ -f $credproxy_dir/done ]] && return 0
  local tmp=$credproxy_dir.tmp
  rm -rf "$tmp"
  mkdir -p "$cache_dir/publish"
  log "dotnet publish credproxy (self-contained linux-x64; cached as ${credproxy_dir##*/})"
  if ! dotnet publish "$repo_root/src/CredProxy/CredProxy.csproj" -c Release -r linux-x64 --self-contained \
    -p:InvariantGlobalization=true -p:DebugType=none -o "$tmp" >"$cache_dir/publish/credproxy-selfcontained.log" 2>&1; then
    tail -n 40 "$cache_dir/publish/credproxy-selfcontained.log" >&2
    die "credproxy publish failed (log: $cache_dir/publish/credproxy-selfcontained.log)"
  fi
  # The debugger and tracing helpers are not used in a container (diagnostics are off in the image).
  rm -f "$tmp"/libmscordaccore.so "$tmp"/libmscordbi.so "$tmp"/libcoreclrtraceptprovider.so "$tmp"/createdump
  rm -rf "$credproxy_dir"
  mv "$tmp" "$credproxy_dir"
  touch "$credproxy_dir/done"
  local old
  while read -r old; do
    rm -rf "$old"
  done < <(find "$cache_dir/publish" -mindepth 1 -maxdepth 1 -type d -name 'credproxy-selfcontained-*' -not -name '*.tmp' \
    -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2-)
}
with_lock publish-credproxy-selfcontained publish_credproxy
[[ -x $credproxy_dir/credproxy ]] || die "no credproxy in $credproxy_dir"

# ---- Stage the build contexts ----------------------------------------------------------------------

stage=$work/context
rm -rf "$stage"
mkdir -p "$stage"

# Executor: kaniko's layout. CA roots inside /kaniko (SSL_CERT_DIR), as the base image replaces /etc.
ctx=$stage/executor
mkdir -p "$ctx/kaniko/ssl/certs" "$ctx/etc" "$ctx/busybox" "$ctx/bin"
cp "$executor_binary" "$ctx/kaniko/executor"
chmod 0755 "$ctx/kaniko/executor"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/kaniko/ssl/certs/ca-certificates.crt"
printf 'hosts: files dns\n' >"$ctx/etc/nsswitch.conf"
cp /bin/busybox "$ctx/busybox/busybox"
while read -r applet; do
  [[ $applet == busybox ]] || ln -s busybox "$ctx/busybox/$applet"
done < <(/bin/busybox --list)
ln -s /busybox/sh "$ctx/bin/sh"
cp "$repo_root/deploy/images/executor/Dockerfile" "$ctx/Dockerfile"

# credproxy: a scratch root with the shared libraries of these Debian packages (files directly in the
# library folders: no gconv, engines or providers), their dpkg records (for image scanners) and
# copyright files, the CA bundle, and a non-root user.
ctx=$stage/credproxy
root=$ctx/rootfs
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
mkdir -p "$root/usr/lib/$multiarch" "$root/usr/lib64" "$root/etc/ssl/certs" "$root/var/lib/dpkg/status.d" \
  "$root/tmp" "$root/home/nonroot"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
packages=(libc6 libgcc-s1 libstdc++6 libssl3 ca-certificates)
for pkg in "${packages[@]}"; do
  dpkg-query -s "$pkg:$(dpkg --print-architecture)" >"$root/var/lib/dpkg/status.d/$pkg" 2>/dev/null \
    || dpkg-query -s "$pkg" >"$root/var/lib/dpkg/status.d/$pkg" \
    || die "Debian package $pkg is not installed (scripts/testbed/install.sh installs it)"
  if [[ -f /usr/share/doc/$pkg/copyright ]]; then
    mkdir -p "$root/usr/share/doc/$pkg"
    cp /usr/share/doc/"$pkg"/copyright "$root/usr/share/doc/$pkg/copyright"
  fi
  while read -r path; do
    # Merged /usr (Debian 12): /lib/x -> /usr/lib/x; keep symlinks as symlinks.
    local_path=${path#/usr}
    case $local_path in
      /lib/"$multiarch"/*/*) continue ;;
      /lib/"$multiarch"/*.so* | /lib64/*.so*) ;;
      *) continue ;;
    esac
    [[ -e $path || -L $path ]] || continue
    cp -a "$path" "$root/usr$local_path"
  done < <(dpkg-query -L "$pkg" 2>/dev/null)
done
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"
cp -a "$credproxy_dir" "$ctx/app"
rm -f "$ctx/app/done"
cp "$repo_root/deploy/images/credproxy/Dockerfile" "$ctx/Dockerfile"

# ---- Registry and proxy ----------------------------------------------------------------------------

proxy_pid=
stop_proxy() {
  if [[ -n $proxy_pid ]]; then
    kill "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
    proxy_pid=
  fi
}
cleanup() {
  stop_proxy
  rm -rf "$work"/root-* "$work"/kaniko-*
}
trap cleanup EXIT

proxy_env=()
if $push && [[ -z $prefix ]]; then
  "$testbed_dir/stop-registry.sh" --dir "$work/registry" >/dev/null 2>&1 || true
  eval "$("$testbed_dir/start-registry.sh" --dir "$work/registry")"
  prefix=$REGISTRY/kaniko-dotnet
  echo "REGISTRY=$REGISTRY"
  log "local registry $REGISTRY (stop it with scripts/testbed/stop-registry.sh --dir $work/registry)"
  proxy_env+=(CREDPROXY_REGISTRY_99_HOST="$REGISTRY" CREDPROXY_REGISTRY_99_INSECURE=true)
fi
if ((${#insecure[@]})); then
  joined=$(IFS=,; echo "${insecure[*]}")
  proxy_env+=(CREDPROXY_INSECURE_REGISTRIES="${CREDPROXY_INSECURE_REGISTRIES:+$CREDPROXY_INSECURE_REGISTRIES,}$joined")
fi
proxy_args=(--listen 127.0.0.1:0)
[[ -n $docker_config ]] && proxy_args+=(--docker-config "$docker_config")

# start_proxy: a fresh proxy for each build (its push capability is given out once); sets proxy.
# The proxy gets this script's environment (the credentials); the executor gets none of it.
start_proxy() {
  stop_proxy
  # Emptied here, not only by the background job's redirection: otherwise the loop below can read the
  # previous proxy's address before the new job has truncated the file.
  : >"$work/credproxy.log"
  env "${proxy_env[@]}" "$credproxy_dir/credproxy" "${proxy_args[@]}" >"$work/credproxy.log" 2>&1 &
  proxy_pid=$!
  proxy=
  for _ in {1..400}; do
    proxy=$(sed -n 's/^credproxy listening on \(http[^ ]*\)$/\1/p' "$work/credproxy.log" | head -n1)
    [[ -n $proxy ]] && return 0
    if ! kill -0 "$proxy_pid" 2>/dev/null; then
      cat "$work/credproxy.log" >&2
      die "credproxy did not start: it needs the settings of ${prefix%%/*} in this script's environment or --docker-config (see --help)"
    fi
    sleep 0.05
  done
  cat "$work/credproxy.log" >&2
  die "credproxy did not print its address within 20 s"
}

# ---- Build with the executor -----------------------------------------------------------------------

revision=$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$repo_root" status --porcelain 2>/dev/null) ]] || revision=$revision-dirty
# Equal sources give equal digests: timestamps come from the last commit.
epoch=$(git -C "$repo_root" log -1 --format=%ct 2>/dev/null || echo 0)

# build NAME CONTEXT TARGET REPOSITORY TAG
build() {
  local name=$1 context=$2 target=$3 repository=$4 image_tag=$5
  local args=(
    --context "$context" --root "$work/root-$name" --kaniko-dir "$work/kaniko-$name"
    --reproducible --digest-file "$work/$name.digest"
    --label "org.opencontainers.image.title=$repository"
    --label "org.opencontainers.image.revision=$revision"
    --label "org.opencontainers.image.version=$image_tag"
  )
  [[ -n $target ]] && args+=(--target "$target")
  [[ -n $tar_dir ]] && args+=(--tar-path "$tar_dir/$name.tar")
  local reference=
  if $push; then
    reference=$prefix/$repository:$image_tag
    start_proxy
    args+=(--destination "$reference" --registry-proxy "$proxy")
  else
    args+=(--no-push)
    [[ -n $tar_dir ]] && args+=(--destination "kaniko-dotnet/$repository:$image_tag")
  fi
  rm -rf "$work/root-$name" "$work/kaniko-$name" "$work/$name.digest"
  log "building $name${reference:+ -> $reference}"
  # A clean environment: the executor never sees the credentials given to the proxy.
  if ! env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root SOURCE_DATE_EPOCH="$epoch" \
    "$executor_binary" "${args[@]}" >"$work/$name.log" 2>&1; then
    tail -n 30 "$work/$name.log" >&2
    die "building $name failed (log: $work/$name.log)"
  fi
  stop_proxy
  rm -rf "$work/root-$name" "$work/kaniko-$name"
  local digest
  digest=$(cat "$work/$name.digest")
  local var=IMAGE_${name^^}
  var=${var//-/_}
  if $push; then
    echo "$var=$reference@$digest"
  else
    echo "$var=$tar_dir/$name.tar@$digest"
  fi
}

build executor "$stage/executor" executor executor "$tag"
build executor-debug "$stage/executor" debug executor "$debug_tag"
build credproxy "$stage/credproxy" "" credproxy "$tag"
