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

# Real commits: the hosts are separate processes sharing the test database.
pytestmark = pytest.mark.real_commits

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


class Host:
    """One subprocess; `acked()` is the last clock step it finished."""

    def __init__(self, name: str, folder: Path, config: dict[str, Any], hang_at: int = 0) -> None:
        self.clock, self.ack = folder / f"{name}.clock", folder / f"{name}.ack"
        self.log = (folder / f"{name}.log").open("w")
        env = {**os.environ, "LMS_MULTIHOST_CONFIG": json.dumps(config), "LMS_MULTIHOST_HANG_AT": str(hang_at)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.multihost", str(self.clock), str(self.ack)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def acked(self) -> str:
        return self.ack.read_text() if self.ack.exists() else ""

    def show(self, step: int, now: datetime) -> None:
        tmp = self.clock.with_suffix(".tmp")
        tmp.write_text(f"{step} {now.isoformat()}")
        tmp.replace(self.clock)


def _wait(hosts: list[Host], step: int, done: Callable[[Host], bool] | None = None) -> None:
    deadline = walltime.monotonic() + 60  # a guard against hanging forever, not a speed check
    while not all((done or (lambda h: h.acked() == str(step)))(h) for h in hosts):
        for h in hosts:
            if h.process.poll() is not None:
                pytest.fail(f"a host exited with {h.process.returncode}:\n{Path(h.log.name).read_text()[-3000:]}")
        if walltime.monotonic() > deadline:
            pytest.fail(f"step {step} not finished; logs:\n" + "\n".join(Path(h.log.name).read_text()[-2000:] for h in hosts))
        walltime.sleep(0.02)


def test_two_hosts_send_every_message_exactly_once_even_when_one_is_killed(
    app: Any, world: dict[str, Any], clock: Clock, smtp_inbox: Any, tmp_path: Path,  # noqa: F811 -- imported fixtures
) -> None:
    config = {key: app.config[key] for key in (
        "LMS_ENV", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "LMS_SMTP_HOST", "LMS_SMTP_PORT", "LMS_BASE_URL", "TESTING",
    )}
    people, lessons = world["people"], world["lessons"]
    end = datetime.combine(START + timedelta(days=12), time(0), tzinfo=TOKYO)
    kill_at = datetime.combine(START + timedelta(days=7), time(0), tzinfo=TOKYO)  # week 2 opens: its notices fall due
    kill_step = int((kill_at - clock.local()) / timedelta(hours=6)) + 1
    a, b = Host("a", tmp_path, config), Host("b", tmp_path, config, hang_at=kill_step)
    hosts = [a, b]
    step, held = 0, ""
    try:
        while clock.local() < end:
            step += 1
            local = clock.local()
            if local.weekday() == 1 and local.hour == 12:  # Tuesday noon: people learn
                week = (local.date() - START).days // 7 + 1
                if week >= 1:
                    mark_complete(people["diligent"], lessons[week])
                    db.session.commit()
            if step == kill_step:
                # b alone sees this time first: it wins the slots, queues week 2's notices, claims them
                # for sending and is killed holding them; a then finds the slots taken and the rows held.
                b.show(step, clock.now)
                _wait([b], step, done=lambda h: h.ack.with_suffix(".hung").exists())
                held = b.ack.with_suffix(".hung").read_text()
                b.process.send_signal(signal.SIGKILL)
                b.process.wait()
                hosts = [a]
            for h in hosts:
                h.show(step, clock.now)
            _wait(hosts, step)
            clock.now += timedelta(hours=6)
        a.process.terminate()  # SIGTERM: finishes its pass and exits cleanly
        assert a.process.wait(timeout=30) == 0
    finally:
        for h in hosts:
            if h.process.poll() is None:
                h.process.kill()
                h.process.wait()

    db.session.expire_all()
    rows = db.session.execute(sa.select(EmailMessage.id, EmailMessage.kind, EmailMessage.to_address,
                                        EmailMessage.status)).all()
    assert {status for *_, status in rows} == {EmailMessage.SENT}
    assert len(held.split(",")) == 3  # the killed host held week 2's three notices ...
    retried = db.session.scalars(sa.select(EmailMessage.id).where(EmailMessage.attempts == 2))
    assert set(map(str, retried)) == set(held.split(","))  # ... and the survivor sent them after the lease
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


def test_flask_worker_run_sends_what_a_request_queued_and_stops_cleanly_on_sigterm(
    app: Any, smtp_inbox: Any, create_org: Any, create_user: Any, tmp_path: Path
) -> None:
    from lms.accounts.service import request_password_reset
    from lms.transaction import commit

    create_user(create_org(), email="w@example.jp")
    request_password_reset("w@example.jp")
    commit()
    env = {**os.environ, "LMS_ENV": "development", "LMS_SECRET_KEY": "test-secret-key", "FLASK_APP": "lms",
           "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "LMS_INSTANCE_PATH": str(tmp_path),
           "LMS_SMTP_HOST": smtp_inbox.host, "LMS_SMTP_PORT": str(smtp_inbox.port)}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "worker", "run", "--poll", "0.05"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = walltime.monotonic() + 60  # a guard against hanging forever, not a speed check
        while not smtp_inbox.messages and walltime.monotonic() < deadline and worker.poll() is None:
            walltime.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert [m["To"] for m in smtp_inbox.messages] == ["w@example.jp"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(EmailMessage.status)) == EmailMessage.SENT
    assert "outbox worker stopped" in (tmp_path / "worker.log").read_text()
