"""One app host's background processes in one: the scheduler (slot claims) and the outbox worker, on a shared clock.

Started by tests/test_multihost.py as a real subprocess:
    python -m tests.multihost CLOCK_FILE ACK_FILE
with the app's config as JSON in LMS_MULTIHOST_CONFIG. CLOCK_FILE holds
"<step> <ISO time>", written by the test; after running every job (those whose
slot this process wins) and draining the outbox for that time, the process
writes the step to ACK_FILE. SIGTERM stops it after the current pass.
With LMS_MULTIHOST_HANG_AT=<step>, the process claims that step's mail and
then hangs before sending it (writing ACK_FILE.hung), to be killed there.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path


def main(clock_file: Path, ack_file: Path) -> int:
    import logging

    from lms import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    app = create_app(json.loads(os.environ["LMS_MULTIHOST_CONFIG"]))

    import lms.cohorts.ical  # noqa: F401  (imported before patching, so it is patched too)
    from lms import outbox
    from lms.core.clock import utcnow as real
    from lms.extensions import db
    from lms.scheduler import runner

    now = real()
    for name, module in list(sys.modules.items()):
        if name.startswith("lms") and getattr(module, "utcnow", None) is real:
            module.utcnow = lambda: now

    hang_at = os.environ.get("LMS_MULTIHOST_HANG_AT", "")
    send_mail = outbox.DISPATCHERS["mail"]

    def hang_after_claiming(claim: outbox.Claim, rows: list) -> None:  # type: ignore[type-arg]
        if seen == hang_at:
            ack_file.with_suffix(".hung").write_text(",".join(str(r.id) for r in rows))
            threading.Event().wait()  # until SIGKILL
        send_mail(claim, rows)

    outbox.DISPATCHERS["mail"] = hang_after_claiming
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = ""
    with app.app_context():
        while not stop.is_set():
            text = clock_file.read_text().strip() if clock_file.exists() else ""
            if text and text.split()[0] != seen:
                seen, iso = text.split()
                now = datetime.fromisoformat(iso)
                for job in runner.job_names():
                    runner.run_scheduled(job, now, 10)
                outbox.drain()
                db.session.remove()
                tmp = ack_file.with_suffix(".tmp")
                tmp.write_text(seen)
                tmp.replace(ack_file)
            stop.wait(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
