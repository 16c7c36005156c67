#!/usr/bin/env bash
# Installs Chromium from Debian's packages when it is missing: the run page tests
# (test/e2e/run-page.test.ts) and the phone-width text tests
# (test/e2e/texts-at-phone-width.test.ts) drive /usr/bin/chromium with playwright-core.
# With it, Debian's colour emoji font, so the status lines' emoji render as on a phone.
# Idempotent: does nothing when both are installed.
set -euo pipefail
if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; then
  /usr/bin/chromium --version || true
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-color-emoji
/usr/bin/chromium --version
