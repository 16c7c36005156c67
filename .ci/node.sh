# Sourced: puts Node.js 24 first on PATH, installing it from the npm registry
# (the `node-linux-<arch>` package) when the machine's Node is older.
# /opt/node24 for root (CI); a per-user cache otherwise.
if [ -z "${NODE24_DIR:-}" ]; then
  if [ -w /opt ] || [ -d /opt/node24 ]; then NODE24_DIR=/opt/node24; else NODE24_DIR="$HOME/.cache/droid/node24"; fi
fi
if ! node --version 2>/dev/null | grep -Eq '^v(2[4-9]|[3-9][0-9])\.'; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  node_bin="$NODE24_DIR/node_modules/node-linux-$node_arch/bin"
  if [ ! -x "$node_bin/node" ]; then
    mkdir -p "$NODE24_DIR"
    npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund "node-linux-$node_arch@24" >/dev/null
  fi
  export PATH="$node_bin:$PATH"
fi
