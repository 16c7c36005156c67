#!/usr/bin/env bash
# Installs Chromium from Debian's packages when it is missing: the run page tests
# (test/e2e/run-page.test.ts) drive /usr/bin/chromium with playwright-core.
# Idempotent: does nothing when it is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version || true
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version
