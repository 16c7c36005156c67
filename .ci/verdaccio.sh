# Sourced by bench/sandbox.ts's registry step (or run): installs verdaccio 6.8.0, a real npm
# registry server, into its own cache folder on first use (it does not fit the project's
# dependencies: node-fetch is pinned to 2.7.0 there) and prints the path of its binary.
# /opt/verdaccio-6.8.0 for root (CI); a per-user cache otherwise.
set -e
if [ -z "${VERDACCIO_DIR:-}" ]; then
  if [ -w /opt ] || [ -d /opt/verdaccio-6.8.0 ]; then VERDACCIO_DIR=/opt/verdaccio-6.8.0; else VERDACCIO_DIR="$HOME/.cache/droid/verdaccio-6.8.0"; fi
fi
if [ ! -x "$VERDACCIO_DIR/node_modules/.bin/verdaccio" ]; then
  mkdir -p "$VERDACCIO_DIR"
  printf '{ "private": true, "overrides": { "node-fetch": "2.7.0" } }\n' > "$VERDACCIO_DIR/package.json"
  (cd "$VERDACCIO_DIR" && npm install --no-audit --no-fund verdaccio@6.8.0 >/dev/null)
fi
echo "$VERDACCIO_DIR/node_modules/.bin/verdaccio"
