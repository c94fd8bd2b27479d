"""Two app hosts' scheduler+worker processes on one database over a simulated fortnight: every message once.

Real subprocesses (tests/multihost.py) share the test's database (PostgreSQL
under LMS_TEST_DATABASE_URL, else the SQLite file) and the loopback SMTP
server; the test moves their clock in 6-hour steps. Halfway, as the second
week's notices are queued, one process is killed with SIGKILL: its slot claims
and outbox claims must be taken over without a message lost or sent twice.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time as walltime
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning.service import mark_complete
from lms.mail.models import EmailMessage
from lms.scheduler.models import JobSlot
from tests.conftest import smtp_config
from tests.test_cohort_run import START, TOKYO, Clock, clock, world  # noqa: F401 -- fixtures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


class Host:
    """One subprocess; `acked()` is the last clock step it finished."""

    def __init__(self, name: str, folder: Path, config: dict[str, Any]) -> None:
        self.ack = folder / f"{name}.ack"
        self.log = (folder / f"{name}.log").open("w")
        env = {**os.environ, "LMS_MULTIHOST_CONFIG": json.dumps(config)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.multihost", str(folder / "clock"), str(self.ack)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def acked(self) -> str:
        return self.ack.read_text() if self.ack.exists() else ""


def _wait(hosts: list[Host], step: int, folder: Path) -> None:
    deadline = walltime.monotonic() + 60  # a hang guard, not a speed check
    while not all(h.acked() == str(step) for h in hosts):
        for h in hosts:
            if h.process.poll() is not None:
                pytest.fail(f"a host exited with {h.process.returncode}:\n{Path(h.log.name).read_text()[-3000:]}")
        if walltime.monotonic() > deadline:
            pytest.fail(f"step {step} not finished; logs:\n" + "\n".join(Path(h.log.name).read_text()[-2000:] for h in hosts))
        walltime.sleep(0.02)


def test_two_hosts_send_every_message_exactly_once_even_when_one_is_killed(
    app: Any, world: dict[str, Any], clock: Clock, smtp_inbox: Any, tmp_path: Path,
) -> None:
    config = {key: app.config[key] for key in (
        "LMS_ENV", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "LMS_SMTP_HOST", "LMS_SMTP_PORT", "LMS_BASE_URL", "TESTING",
    )}
    clock_file = tmp_path / "clock"
    hosts = [Host(name, tmp_path, config) for name in ("a", "b")]
    people, lessons = world["people"], world["lessons"]
    end = datetime.combine(START + timedelta(days=12), time(0), tzinfo=TOKYO)
    kill_at = datetime.combine(START + timedelta(days=7), time(6), tzinfo=TOKYO)  # week 2's notices fall due
    step = 0
    try:
        while clock.local() < end:
            step += 1
            local = clock.local()
            if local.weekday() == 1 and local.hour == 12:  # Tuesday noon: people learn
                week = (local.date() - START).days // 7 + 1
                if week >= 1:
                    mark_complete(people["diligent"], lessons[week])
                    db.session.commit()
            tmp = clock_file.with_suffix(".tmp")
            tmp.write_text(f"{step} {clock.now.isoformat()}")
            tmp.replace(clock_file)
            if clock.local() == kill_at:
                walltime.sleep(0.05)  # let b get into the middle of its pass
                hosts[1].process.send_signal(signal.SIGKILL)
                hosts[1].process.wait()
                hosts = hosts[:1]
            _wait(hosts, step, tmp_path)
            clock.now += timedelta(hours=6)
        hosts[0].process.terminate()  # SIGTERM: finishes its pass and exits cleanly
        assert hosts[0].process.wait(timeout=30) == 0
    finally:
        for h in hosts:
            if h.process.poll() is None:
                h.process.kill()
                h.process.wait()

    db.session.expire_all()
    rows = db.session.execute(sa.select(EmailMessage.id, EmailMessage.kind, EmailMessage.to_address,
                                        EmailMessage.status)).all()
    assert {status for *_, status in rows} == {EmailMessage.SENT}
    received = Counter(m["Message-ID"] for m in smtp_inbox.messages)
    assert received == Counter({f"<outbox-{row.id}@lms.local>": 1 for row in rows})  # each row, exactly once
    members = {f"{k}@minato.example" for k in ("diligent", "partial", "idle")}
    assert Counter(to for _, kind, to, _ in rows if kind == "module_open") == Counter({to: 2 for to in members})
    assert Counter(to for _, kind, to, _ in rows if kind == "digest") == Counter({"exec@minato.example": 1})  # week 1's, on week 2's Monday
    # Each job ran once per 6-hour step although two processes tried: one slot row per job and step.
    slots = db.session.execute(sa.select(JobSlot.job, sa.func.count()).group_by(JobSlot.job)).all()
    assert slots and all(n == step for _, n in slots), slots
    claimers = {c.split(":")[-1] for c in db.session.scalars(sa.select(JobSlot.claimed_by))}
    assert len(claimers) == 2  # both hosts did some of the work
