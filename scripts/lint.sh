#!/usr/bin/env bash
# Lint and type-check: ruff over the repository, mypy over lms/ (settings in pyproject.toml).
# Prints only problems; exits non-zero when either tool finds one. Needs `bash scripts/setup.sh dev` once.
set -uo pipefail
cd "$(dirname "$0")/.."

for tool in ruff mypy; do
  [ -x ".venv/bin/$tool" ] || { echo "error: .venv/bin/$tool missing; run: bash scripts/setup.sh dev" >&2; exit 1; }
done

status=0
.venv/bin/ruff check --quiet . || status=1
.venv/bin/mypy --no-error-summary || status=1
[ "$status" = 0 ] || echo "lint failed: fix the ruff and mypy findings above (make lint)" >&2
exit "$status"
