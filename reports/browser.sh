#!/usr/bin/env bash
# Makes sure a headless browser is there for the HTML report's spec (reports/html_browser_test.go): Debian's
# chromium package, installed as root when missing. Nothing downloads a browser of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "browser.sh: chromium is missing; install Debian's chromium package (needs root)" >&2
  exit 1
fi
echo "browser.sh: installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
