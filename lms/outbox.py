"""The outbox worker: delivers rows that requests and jobs wrote, outside any request.

Requests and scheduled jobs only insert rows (lms.mail.service.queue_mail) in
the transaction of the action that caused them. `flask worker run` drains them:

* claim: a batch of due rows is marked 'sending' with this worker's claim token
  (PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then the UPDATE in the same
  transaction; SQLite: one `UPDATE … WHERE id IN (SELECT …)`, atomic under the
  database's single write lock), so two workers never hold one row;
* each row is handed to the dispatcher registered for its `channel` ("mail";
  "llm", the AI model, lms.llm.delivery; "xapi", statements to an LRS, lms.xapi.delivery);
* before each send the worker renews its hold on the row and gives it up if it
  lost it; after the send it records the outcome in its own commit;
* a failure is retried with exponential backoff (attempts, next_attempt_at,
  last_error) and ends 'failed' after LMS_OUTBOX_MAX_ATTEMPTS attempts; a
  permanent refusal ends 'failed' at once;
* a row left 'sending' by a worker that died is claimed again once
  `claimed_at` is older than LMS_OUTBOX_LEASE_SECONDS.

Delivery is therefore at-least-once: a worker killed after the SMTP server
accepted a message but before its "sent" commit leaves the row to be sent again
after the lease. That window is one commit long; every message carries a stable
Message-ID (`<outbox-ID@…>`) so a receiving system can recognise a repeat. The
alternative (never resend a row found 'sending') would lose that message
instead; a lost invitation or reminder costs more than a rare duplicate.
"""
from __future__ import annotations

import logging
import secrets
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, cast

import sqlalchemy as sa
from flask import current_app

from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage

log = logging.getLogger(__name__)

Row = EmailMessage


@dataclass
class Claim:
    """The rows one worker holds, and how it reports what happened to each."""

    token: str
    rows: list[Row]
    released: int = 0

    def hold(self, row: Row) -> bool:
        """Renew the hold just before working on a row; False when the lease ran out and another worker took it."""
        held = cast(sa.CursorResult[Any], db.session.execute(
            sa.update(Row).where(Row.id == row.id, Row.claim_token == self.token, Row.status == Row.SENDING)
            .values(claimed_at=utcnow()).execution_options(synchronize_session=False)
        )).rowcount == 1
        db.session.commit()
        return held

    def done(self, row: Row, status: str = Row.SENT) -> None:
        values: dict[str, Any] = {"status": status, "claim_token": None, "claimed_at": None, "next_attempt_at": None}
        if status == Row.SENT:
            values["sent_at"] = utcnow()
        self._finish(row, values)

    def retry(self, row: Row, error: str, delay: timedelta | None = None) -> None:
        """Queue the row again after a backoff (or the channel's `delay`); fail it for good after the last attempt."""
        if row.attempts >= current_app.config["LMS_OUTBOX_MAX_ATTEMPTS"]:
            self.fail(row, error)
            return
        when = utcnow() + (retry_delay(row.attempts) if delay is None else delay)
        log.warning("outbox row %s attempt %d failed, retrying at %s: %s", row.id, row.attempts, when, error)
        self._finish(row, {"status": Row.QUEUED, "claim_token": None, "claimed_at": None,
                           "next_attempt_at": when, "last_error": error[:1000]})

    def release(self, rows: list[Row]) -> None:
        """Give rows back untouched, due at once for any worker (this one is busy); this claim's attempt is undone."""
        if not rows:
            return
        db.session.execute(
            sa.update(Row).where(Row.id.in_([row.id for row in rows]), Row.claim_token == self.token)
            .values(status=Row.QUEUED, claim_token=None, claimed_at=None, attempts=Row.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.released += len(rows)

    def fail(self, row: Row, error: str) -> None:
        log.error("outbox row %s failed for good after %d attempt(s): %s", row.id, row.attempts, error)
        self._finish(row, {"status": Row.FAILED, "claim_token": None, "claimed_at": None,
                           "next_attempt_at": None, "last_error": error[:1000]})

    def _finish(self, row: Row, values: dict[str, Any]) -> None:
        db.session.execute(
            sa.update(Row).where(Row.id == row.id, Row.claim_token == self.token)
            .values(**values).execution_options(synchronize_session=False)
        )
        db.session.commit()


Dispatcher = Callable[[Claim, list[Row]], None]
DISPATCHERS: dict[str, Dispatcher] = {}
SLOW_CHANNELS: set[str] = set()


def dispatcher(channel: str, *, slow: bool = False) -> Callable[[Dispatcher], Dispatcher]:
    """Register the function that delivers rows of one channel (see lms.mail.service.deliver).

    A `slow` channel (the AI model: one answer can take minutes) is dispatched
    after the other channels of a batch, so mail never waits behind it.
    """
    def _register(fn: Dispatcher) -> Dispatcher:
        DISPATCHERS[channel] = fn
        if slow:
            SLOW_CHANNELS.add(channel)
        return fn
    return _register


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2, 4, 8, … capped at 1 hour: a mail server that is down for an afternoon is retried about hourly."""
    base = current_app.config["LMS_OUTBOX_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    lease = timedelta(seconds=current_app.config["LMS_OUTBOX_LEASE_SECONDS"])
    return sa.or_(
        sa.and_(Row.status == Row.QUEUED, sa.or_(Row.next_attempt_at.is_(None), Row.next_attempt_at <= now)),
        sa.and_(Row.status == Row.SENDING, Row.claimed_at < now - lease),  # its worker died
    )


def claim(limit: int) -> Claim:
    """Take up to `limit` due rows for this worker, atomically, and commit the claim."""
    now = utcnow()
    token = secrets.token_hex(16)
    ids = sa.select(Row.id).where(_due(now)).order_by(Row.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the batch first, skipping rows another worker has locked; as a subquery of the UPDATE,
        # PostgreSQL may run the LIMIT more than once and take more rows than asked.
        picked: Any = list(db.session.scalars(ids.with_for_update(skip_locked=True)))
    else:
        picked = ids.scalar_subquery()  # one UPDATE statement runs under SQLite's single write lock
    db.session.execute(
        sa.update(Row).where(Row.id.in_(picked), _due(now))
        .values(status=Row.SENDING, claim_token=token, claimed_at=now, attempts=Row.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = list(db.session.scalars(sa.select(Row).where(Row.claim_token == token).order_by(Row.id)))
    return Claim(token, rows)


def drain_once(limit: int | None = None) -> int:
    """Claim one batch and deliver it; returns how many rows were handled, not those given back (0: none due)."""
    batch = claim(limit or current_app.config["LMS_OUTBOX_BATCH"])
    if not batch.rows:
        return 0
    by_channel: dict[str, list[Row]] = {}
    for row in batch.rows:
        by_channel.setdefault(row.channel, []).append(row)
    for channel, rows in sorted(by_channel.items(), key=lambda item: item[0] in SLOW_CHANNELS):
        deliver = DISPATCHERS.get(channel)
        if deliver is None:
            for row in rows:
                batch.fail(row, f"no dispatcher for channel {channel!r}")
            continue
        try:
            deliver(batch, rows)
        except Exception as exc:  # a bug in a dispatcher: the rows wait and retry, the worker lives on
            db.session.rollback()
            log.exception("dispatcher %s failed", channel)
            for row in rows:
                current = db.session.get(Row, row.id, populate_existing=True)
                if current is not None and current.claim_token == batch.token:
                    batch.retry(row, f"{type(exc).__name__}: {exc}")
    return len(batch.rows) - batch.released


def drain() -> int:
    """Drain until nothing is due (tests and `flask worker drain`); returns how many rows were handled."""
    handled = 0
    while n := drain_once():
        handled += n
    return handled


def run(poll_seconds: float, stop: threading.Event | None = None) -> None:
    """The worker loop: drain, sleep `poll_seconds` when idle, stop after the current row on SIGTERM/SIGINT."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("outbox worker running (poll every %.1fs)", poll_seconds)
    while not stop.is_set():
        try:
            handled = drain_once()
        except Exception:  # the database went away, for example: log, wait, try again
            db.session.rollback()
            log.exception("outbox worker pass failed")
            handled = 0
        finally:
            db.session.remove()
        if not handled:
            stop.wait(poll_seconds)
    log.info("outbox worker stopped")


from lms.mail import service as _mail  # noqa: E402,F401  (registers the "mail" dispatcher)
from lms.llm import delivery as _llm  # noqa: E402,F401  (registers the "llm" dispatcher)
from lms.xapi import delivery as _xapi  # noqa: E402,F401  (registers the "xapi" dispatcher)
