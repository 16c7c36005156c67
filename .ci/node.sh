# Sourced: puts Node.js 24 first on PATH, installing it from the npm registry
# (the `node-linux-<arch>` package) when the machine's Node is older.
NODE24_DIR="${NODE24_DIR:-/opt/node24}"
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
