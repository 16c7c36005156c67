#!/usr/bin/env bash
# Prepares a Docker engine for Droid's sandbox on a fresh Debian machine (run as root).
# Idempotent and fast on a second run: every step checks before it acts.
#   1. installs docker.io and debootstrap from Debian's archive when missing;
#   2. starts dockerd in the background when no engine answers, and waits for it;
#   3. creates debian:bookworm-slim locally (debootstrap + docker import) when absent,
#      since Docker Hub may be unreachable;
#   4. builds the sandbox image droid-sandbox:<package.json version> when absent or when
#      sandbox-image/ changed (its hash is kept in the image label dev.droid.context-hash).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base_image="debian:bookworm-slim"
version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$repo_root/package.json" | head -n1)"
sandbox_image="droid-sandbox:${version}"
dockerd_log="${DROID_DOCKERD_LOG:-/var/log/droid-dockerd.log}"
engine_timeout="${DROID_DOCKERD_TIMEOUT:-60}"

log() { printf '[setup-docker] %s\n' "$*" >&2; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

engine_answers() { docker info >/dev/null 2>&1; }

start_engine() {
  if engine_answers; then return; fi
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    log "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local engine"
    exit 1
  fi
  log "starting dockerd (log: $dockerd_log)"
  nohup dockerd >>"$dockerd_log" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if ((waited >= engine_timeout)); then
      log "dockerd did not answer within ${engine_timeout}s; last log lines:"
      tail -n 30 "$dockerd_log" >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "engine ready after ${waited}s"
}

# The mirror this machine's apt uses (deb822 or one-line format), else deb.debian.org.
debian_mirror() {
  local uri
  uri="$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)"
  if [[ -z "$uri" ]]; then
    uri="$(grep -h -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

security_mirror() {
  local uri
  uri="$(grep -h -E '^URIs:.*-security' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)"
  if [[ -z "$uri" ]]; then
    uri="$(grep -h -E '^deb .*-security' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian-security}"
}

create_base_image() {
  if docker image inspect "$base_image" >/dev/null 2>&1; then return; fi
  local mirror security rootfs
  mirror="$(debian_mirror)"
  security="$(security_mirror)"
  rootfs="$(mktemp -d /tmp/droid-rootfs.XXXXXX)"
  trap "rm -rf '$rootfs'" EXIT
  log "creating $base_image with debootstrap from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  # Match the official image: deb822 sources with updates and security, no caches.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$base_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "imported $base_image"
}

context_hash() {
  (cd "$repo_root/sandbox-image" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64
}

build_sandbox_image() {
  local want have
  want="$(context_hash)"
  have="$(docker image inspect -f '{{ index .Config.Labels "dev.droid.context-hash" }}' "$sandbox_image" 2>/dev/null || true)"
  if [[ "$want" == "$have" ]]; then
    log "$sandbox_image is up to date"
    return
  fi
  log "building $sandbox_image"
  # Host networking: the build only needs Debian's archive, and this avoids depending on
  # the bridge's NAT rules being usable on the build machine.
  DOCKER_BUILDKIT=0 docker build --quiet --network host \
    --label "dev.droid.context-hash=$want" \
    -t "$sandbox_image" "$repo_root/sandbox-image" >/dev/null
  log "built $sandbox_image"
}

install_packages
start_engine
create_base_image
build_sandbox_image
