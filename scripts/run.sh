#!/usr/bin/env bash
# Set everything up and serve the app with demo data on SQLite, with the scheduler and the outbox worker beside it.
#   PORT=8000 bash scripts/run.sh    (default port 5000)
# Setup chatter goes to instance/setup.log; what a newcomer needs is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-5000}"
url="http://127.0.0.1:$port"
mkdir -p instance
log=instance/setup.log
: >"$log"

step() { printf '%s\n' "$*" >&2; }
quiet() {  # run a setup step; show its output only when it fails
  if ! "$@" >>"$log" 2>&1; then
    step "error: '$*' failed; the last lines of $log:"
    tail -n 30 "$log" >&2
    exit 1
  fi
}

step "1/4 installing Python packages into .venv (details in $log) ..."
quiet bash scripts/setup.sh
export LMS_ENV="${LMS_ENV:-development}"
export FLASK_APP=lms
step "2/4 migrating the SQLite database ..."
quiet .venv/bin/flask db upgrade
step "3/4 loading the exercises in exercises/, the courses in courses/ and the use cases in usecases/ ..."
if ! synced=$(.venv/bin/flask courses sync courses 2>&1); then
  printf '%s\n' "$synced" >>"$log"
  step "error: 'flask courses sync courses' failed; the last lines of $log:"
  tail -n 30 "$log" >&2
  exit 1
fi
printf '%s\n' "$synced" >>"$log"
step "    $(grep -c '^exercise ' <<<"$synced" || true) exercises and $(grep -c ' lessons, ' <<<"$synced" || true) courses and $(grep -c '^use case ' <<<"$synced" || true) use cases loaded (details in $log)"
# After the content: the demo's cohort and prompt-practice attempts use a shipped course and exercise.
step "4/4 loading the demo companies and people ..."
accounts=instance/demo-accounts.txt
.venv/bin/flask demo 2>>"$log" >"$accounts" || { step "error: 'flask demo' failed; see $log"; exit 1; }

# Two processes run next to the web server: the scheduler (weekly notices, reminders, digests) queues
# mail, and the outbox worker sends what requests and the scheduler queued. Both stop with the server.
.venv/bin/flask scheduler run >>instance/scheduler.log 2>&1 &
scheduler=$!
.venv/bin/flask worker run >>instance/worker.log 2>&1 &
worker=$!
trap 'kill "$scheduler" "$worker" 2>/dev/null || true' EXIT INT TERM

cat >&2 <<MSG

  AI研修 LMS is ready: $url
  Sign in as one of the $(wc -l <"$accounts" | tr -d ' ') demo accounts, all with the password lms-demo-2026, e.g.
    admin@provider.example (platform admin), trainer.ishikawa@provider.example (trainer),
    misaki.suzuki@minato-seiko.example (executive), yoko.tanaka@minato-seiko.example (employee).
  Every demo account (ROLE EMAIL PASSWORD COMPANY): $accounts
  Scheduler log: instance/scheduler.log    Worker log: instance/worker.log    Stop: Ctrl+C

MSG

.venv/bin/flask run --host 127.0.0.1 --port "$port"
