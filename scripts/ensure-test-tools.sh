#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages: Debian's chromium, a PostgreSQL server and Redis.
# Playwright's own browser download does not work offline, so the suite drives Debian's chromium.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! command -v pg_ctl >/dev/null 2>&1 && ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  need+=(postgresql)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing test tools: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Cannot install ${need[*]}: not root. Run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "apt-get update failed: cannot install ${need[*]}" >&2; exit 1; }
apt-get install -y -qq "${need[@]}" >/dev/null || { echo "apt-get install ${need[*]} failed" >&2; exit 1; }
