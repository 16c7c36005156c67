#!/usr/bin/env bash
# Installs redis-server from Debian's packages when it is missing (the Redis queue's
# contract and fault tests start their own servers on loopback; nothing is started here).
# Idempotent: does nothing when redis-server is already installed.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  redis-server --version
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends redis-server
# The tests run their own servers; the packaged service is not needed.
$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
redis-server --version
