#!/usr/bin/env bash
# Builds Droid's app image from the repository's Dockerfile and smoke-tests it (run as root;
# .ci/run calls it after the tests). Idempotent; a second run reuses the base image and the
# build cache.
#   1. makes sure an engine and debian:bookworm-slim exist (.ci/setup-docker.sh, idempotent);
#   2. for each base image the Dockerfile names that is not present locally, builds a stand-in,
#      since Docker Hub may be unreachable: node:24[.x[.y]]-bookworm-slim is made of
#      debian:bookworm-slim, Node from the npm registry (node-linux-<arch>@<version>) and
#      npm@11 (.ci/node-standin.Dockerfile);
#   3. builds droid:<package.json version> from the Dockerfile, unchanged;
#   4. starts it with throwaway credentials, waits (at most DROID_SMOKE_TIMEOUT seconds, 60)
#      for the image's own HEALTHCHECK to pass, prints what GET /ping answers from outside
#      the container, and removes the container and its volume. On failure: the logs, exit 1.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dockerfile="$repo_root/Dockerfile"
package_version() { sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$1" | head -n1; }
app_image="droid:$(package_version "$repo_root/package.json")"
timeout="${DROID_SMOKE_TIMEOUT:-60}"
npm_spec="npm@11" # the npm major Node 24 ships with

log() { printf '[smoke-app-image] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
scratch=()
container=""
cleanup() {
  if [[ -n "$container" ]]; then docker rm -f -v "$container" >/dev/null 2>&1 || true; fi
  if ((${#scratch[@]} > 0)); then rm -rf "${scratch[@]}"; fi
}
trap cleanup EXIT

# Images named by FROM lines, minus earlier build stages (`FROM … AS deps`, `COPY --from=deps`).
base_images() {
  awk 'toupper($1) == "FROM" {
         i = 2; while ($i ~ /^--/) i++
         if (!($i in stages)) print $i
         if (toupper($(i + 1)) == "AS") stages[$(i + 2)] = 1
       }' "$dockerfile" | sort -u
}

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) log "unsupported architecture $(uname -m)"; exit 1 ;;
  esac
}

# The CA bundle this machine's npm is told to trust (npm's cafile, else NODE_EXTRA_CA_CERTS),
# as on networks that intercept TLS; nothing when it trusts Node's own roots.
npm_ca_bundle() {
  local cafile
  cafile="$(npm config get cafile 2>/dev/null || true)"
  if [[ -n "$cafile" && "$cafile" != null && "$cafile" != undefined && -r "$cafile" ]]; then
    echo "$cafile"
  elif [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -r "$NODE_EXTRA_CA_CERTS" ]]; then
    echo "$NODE_EXTRA_CA_CERTS"
  fi
}

# docker build with the builder's output shown only when it fails. Host networking, as for the
# sandbox image: builds only reach the npm registry and Debian's archive.
docker_build() {
  local output
  output="$(mktemp /tmp/droid-docker-build.XXXXXX)"
  scratch+=("$output")
  if ! DOCKER_BUILDKIT=0 docker build --network host "$@" >"$output" 2>&1; then
    cat "$output" >&2
    log "docker build $* failed"
    exit 1
  fi
}

build_node_standin() {
  local image="$1" node_version="$2" context ca started
  context="$(mktemp -d /tmp/droid-node-standin.XXXXXX)"
  scratch+=("$context")
  started="$(now_ms)"
  log "$image is not present locally: building a stand-in (debian:bookworm-slim, node-linux-$(node_arch)@$node_version, $npm_spec)"
  (cd "$context" && npm pack --silent "node-linux-$(node_arch)@$node_version" "$npm_spec" >/dev/null)
  mkdir "$context/node" "$context/npm" "$context/etc"
  tar -xzf "$context"/node-linux-*.tgz -C "$context/node" --strip-components=1 package/package.json package/bin/node
  tar -xzf "$context"/npm-*.tgz -C "$context/npm" --strip-components=1
  rm "$context"/*.tgz
  : >"$context/etc/npmrc"
  ca="$(npm_ca_bundle)"
  if [[ -n "$ca" ]]; then
    cp "$ca" "$context/etc/npm-ca.crt"
    echo "cafile=/usr/local/etc/npm-ca.crt" >"$context/etc/npmrc"
    log "the stand-in's npm trusts $ca, as this machine's npm does"
  fi
  cp "$repo_root/.ci/node-standin.Dockerfile" "$context/Dockerfile"
  local node_exact npm_exact
  node_exact="$(package_version "$context/node/package.json")"
  npm_exact="$(package_version "$context/npm/package.json")"
  docker_build --build-arg "NODE_VERSION=$node_exact" \
    --label "dev.droid.stand-in=debian:bookworm-slim + node-linux-$(node_arch)@$node_exact + npm@$npm_exact" \
    -t "$image" "$context"
  log "built stand-in $image (Node $node_exact, npm $npm_exact) in $(( ($(now_ms) - started) / 1000 ))s"
}

provide_base_images() {
  local image
  for image in $(base_images); do
    if docker image inspect "$image" >/dev/null 2>&1; then
      log "base image $image is present"
    elif [[ "$image" =~ ^node:(24(\.[0-9]+){0,2})-bookworm-slim$ ]]; then
      build_node_standin "$image" "${BASH_REMATCH[1]}"
    else
      log "base image $image is not present and no stand-in is known for it: pull it (docker pull $image) or change the Dockerfile"
      exit 1
    fi
  done
}

build_app_image() {
  local started
  started="$(now_ms)"
  log "building $app_image from Dockerfile"
  docker_build -t "$app_image" "$repo_root"
  log "built $app_image in $(( ($(now_ms) - started) / 1000 ))s ($(docker image inspect -f '{{.Size}}' "$app_image" | awk '{printf "%d MB", $1 / 1e6}'))"
}

fail_with_logs() {
  log "$1; the container's logs:"
  docker logs "$container" >&2 || true
  exit 1
}

smoke_test() {
  local user key secret started state ip answer
  user="$(docker image inspect -f '{{.Config.User}}' "$app_image")"
  if [[ -z "$user" || "$user" == root || "$user" == 0 || "$user" == 0:* ]]; then
    log "$app_image runs as root (USER is '${user}'): it must run as an unprivileged user"
    exit 1
  fi
  if [[ "$(docker image inspect -f '{{if .Config.Healthcheck}}yes{{end}}' "$app_image")" != yes ]]; then
    log "$app_image has no HEALTHCHECK"
    exit 1
  fi
  key="$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null)"
  secret="$(openssl rand -hex 32)"
  container="droid-smoke-$$"
  started="$(now_ms)"
  # The image's own health check, run every second instead of every 30 (the wait below, not
  # its retries, bounds the test). No GitHub calls at start: missed-delivery redelivery is
  # off. The key and secret pass through the environment, not the command line.
  PRIVATE_KEY="$key" WEBHOOK_SECRET="$secret" docker run -d --name "$container" \
    --health-interval 1s --health-retries 60 \
    -e APP_ID=1 -e PRIVATE_KEY -e WEBHOOK_SECRET -e DROID_REDELIVER_WINDOW_HOURS=0 \
    "$app_image" >/dev/null
  log "started $container (APP_ID=1, a throwaway key); waiting up to ${timeout}s for its health check"
  while true; do
    state="$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$container")"
    case "$state" in
      "running healthy") break ;;
      running*) ;;
      *) fail_with_logs "$container stopped ($state)" ;;
    esac
    if (( $(now_ms) - started >= timeout * 1000 )); then fail_with_logs "$container not healthy after ${timeout}s ($state)"; fi
    sleep 0.5
  done
  log "healthy after $(( $(now_ms) - started )) ms"
  ip="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")"
  if ! answer="$(node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(
      async (r) => { console.log(`HTTP ${r.status} ${await r.text()}`); process.exit(r.ok ? 0 : 1); },
      (e) => { console.log(String(e.cause ?? e)); process.exit(1); })' "http://$ip:3000/ping")"; then
    fail_with_logs "GET http://$ip:3000/ping from the host failed: $answer"
  fi
  log "GET http://$ip:3000/ping answered: $answer"
}

bash "$repo_root/.ci/setup-docker.sh"
provide_base_images
build_app_image
smoke_test
