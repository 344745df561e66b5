#!/usr/bin/env bash
# Checks what the bank needs from the system, and installs it with apt when we are root.
# Usage: scripts/prereqs.sh [java] [chromium]
set -euo pipefail

need_apt=()
have_java() { command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; }
# The browser tests drive Debian's headless shell of Chromium (web/e2e/browser.ts), or BANK_CHROMIUM.
have_chromium() { [ -x "${BANK_CHROMIUM:-/usr/bin/chromium-headless-shell}" ]; }

for what in "$@"; do
  case "$what" in
    java) have_java || need_apt+=(openjdk-17-jre-headless) ;;
    chromium) have_chromium || need_apt+=(chromium-headless-shell) ;;
  esac
done

[ ${#need_apt[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing with apt: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
else
  echo "Missing system packages: ${need_apt[*]}" >&2
  echo "Install them (Debian/Ubuntu: sudo apt-get install ${need_apt[*]}) and run again." >&2
  exit 1
fi
