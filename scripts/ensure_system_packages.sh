#!/usr/bin/env bash
# Install the Debian packages the test suite needs, but only those missing:
#   chromium + fonts-noto-cjk  (browser tests render Chinese text)
#   postgresql-15              (server binaries for scripts/with_postgres.py)
#   gettext                    (msgfmt, compiles translations)
# Quiet and idempotent when everything is present.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
{ command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 \
  || [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure_system_packages: missing Debian packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "ensure_system_packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
