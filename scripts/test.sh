#!/usr/bin/env bash
# Set everything up, lint and type-check (scripts/lint.sh), then run every test: the whole suite on SQLite,
# then again on PostgreSQL.
# Browser tests drive Debian's Chromium. Missing system packages are installed when root.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || need+=(fonts-noto-cjk)  # not -q: pipefail + SIGPIPE
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "error: missing system packages: ${need[*]} (run as root to install them, or install them yourself)" >&2
    exit 1
  fi
fi

bash scripts/setup.sh dev
mkdir -p test-artifacts

echo "=== lint: ruff and mypy ===" >&2
bash scripts/lint.sh

echo "=== test suite on SQLite ===" >&2
.venv/bin/python -m pytest "$@"
echo "=== test suite on PostgreSQL ===" >&2
bash scripts/postgres.sh .venv/bin/python -m pytest "$@"
