#!/usr/bin/env bash
# Debian's Chromium for the browser test (playwright drives it; `playwright install` would try to
# download a browser of its own and fails offline). A no-op where chromium is already installed.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser test needs Chromium at /usr/bin/chromium: install it with your package manager." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
chromium --version
