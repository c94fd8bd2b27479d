#!/usr/bin/env bash
# Set everything up, lint and type-check (scripts/lint.sh), then run every test: the whole suite on SQLite
# and, at the same time, on PostgreSQL.
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

# Each run ends with its 20 slowest tests (--durations) and writes every test's time to
# test-artifacts/junit-DATABASE.xml, to see where the time goes.
# The two runs are independent (each its own database, temporary folder and server ports), so they run
# side by side: about half the wall time on two or more cores. Each line is prefixed with its database.
echo "=== test suite on SQLite and on PostgreSQL, side by side ===" >&2
prefixed() {  # prefixed NAME COMMAND...: run COMMAND, prefixing each output line; its exit status
  local name=$1
  shift
  "$@" 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}
base=$(mktemp -d /tmp/lms-tests.XXXXXX)
prefixed sqlite .venv/bin/python -m pytest --durations=20 --junitxml=test-artifacts/junit-sqlite.xml --basetemp="$base/sqlite" "$@" &
sqlite_run=$!
prefixed postgres bash scripts/postgres.sh .venv/bin/python -m pytest --durations=20 --junitxml=test-artifacts/junit-postgres.xml --basetemp="$base/postgres" "$@" &
postgres_run=$!
status=0
wait "$sqlite_run" || { status=1; echo "=== the suite FAILED on SQLite (lines marked [sqlite]) ===" >&2; }
wait "$postgres_run" || { status=1; echo "=== the suite FAILED on PostgreSQL (lines marked [postgres]) ===" >&2; }
rm -rf "$base"
[ "$status" = 0 ] && echo "=== the suite passed on SQLite and on PostgreSQL ===" >&2
exit "$status"
