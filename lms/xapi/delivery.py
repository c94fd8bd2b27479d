"""The outbox dispatcher for channel "xapi": POST the claimed statements to the LRS in one batch.

`LMS_XAPI_ENDPOINT` + "/statements", xAPI 1.0.3 headers, HTTP basic auth
(LMS_XAPI_USERNAME, LMS_XAPI_PASSWORD). Outcomes:

* 2xx: every row sent (and `xapi_statements.sent_at` set in the same commit);
* 409 Conflict for one statement: the LRS already has a statement with that id
  (an earlier attempt got through but its answer was lost): counted as sent;
* 429, 5xx, a timeout or no connection: every row waits and is tried again
  (the outbox's backoff, or a 429's Retry-After), nothing is lost;
* 401/403 (wrong credentials): every row fails at once with the LRS's message;
* any other 4xx (a statement the LRS finds invalid): the row fails at once
  with the LRS's message as `last_error`. A batch refused that way is sent
  again one statement at a time first, so one bad statement does not take its
  neighbours down with it.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.outbox import Claim, dispatcher
from lms.xapi.models import XapiStatement
from lms.xapi.service import CHANNEL

if TYPE_CHECKING:  # imported where a request is made: httpx (and its CLI's rich) is slow to import
    import httpx

log = logging.getLogger(__name__)

VERSION = "1.0.3"
Pair = tuple[EmailMessage, XapiStatement]


def client_from_config(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    import httpx

    config = current_app.config
    auth = (config["LMS_XAPI_USERNAME"], config["LMS_XAPI_PASSWORD"]) if config["LMS_XAPI_USERNAME"] else None
    return httpx.Client(
        base_url=config["LMS_XAPI_ENDPOINT"], auth=auth, timeout=config["LMS_XAPI_TIMEOUT"], transport=transport,
        headers={"X-Experience-API-Version": VERSION, "Content-Type": "application/json"},
    )


@dispatcher(CHANNEL)
def deliver(claim: Claim, rows: list[EmailMessage]) -> None:
    if not current_app.config["LMS_XAPI_ENDPOINT"]:
        for row in rows:
            claim.fail(row, "off: no LRS is configured (LMS_XAPI_ENDPOINT is empty); `flask xapi resend` queues again")
        return
    by_outbox = {s.outbox_id: s for s in db.session.scalars(
        sa.select(XapiStatement).where(XapiStatement.outbox_id.in_([row.id for row in rows])))}
    pairs: list[Pair] = []
    for row in rows:
        statement = by_outbox.get(row.id)
        if statement is None:
            claim.fail(row, "error: the statement behind this row is gone")
        elif claim.hold(row):
            pairs.append((row, statement))
    if pairs:
        with client_from_config() as client:
            _send(client, claim, pairs)


def _send(client: httpx.Client, claim: Claim, pairs: list[Pair]) -> None:
    import httpx

    try:
        answer = client.post("/statements", content=json.dumps([s.payload for _row, s in pairs], ensure_ascii=False))
    except httpx.HTTPError as exc:
        for row, _s in pairs:
            claim.retry(row, f"network: {type(exc).__name__}: {exc}")
        return
    status = answer.status_code
    if answer.is_success:
        _sent(claim, pairs)
    elif status == 429 or status >= 500:
        delay = _retry_after(answer)
        for row, _s in pairs:
            claim.retry(row, f"http {status}: {_message(answer)}", delay=delay)
    elif status in (401, 403):  # the credentials, not a statement: every row fails with the same reason
        for row, _s in pairs:
            claim.fail(row, f"http {status}: {_message(answer)}")
    elif len(pairs) > 1:  # find the statements the LRS objects to, one at a time
        for pair in pairs:
            _send(client, claim, [pair])
    elif status == 409:
        log.info("xapi statement %s was already in the LRS", pairs[0][1].id)
        _sent(claim, pairs)
    else:
        claim.fail(pairs[0][0], f"http {status}: {_message(answer)}")


def _sent(claim: Claim, pairs: list[Pair]) -> None:
    now = utcnow()
    for row, statement in pairs:
        db.session.execute(sa.update(XapiStatement).where(XapiStatement.id == statement.id).values(sent_at=now)
                           .execution_options(synchronize_session=False))
        claim.done(row)  # commits sent_at with the row's new status


def _message(answer: httpx.Response) -> str:
    """What the LRS said: its JSON `detail`/`message` when it gave one, else the start of the body."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:500] or answer.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            if body.get(key):
                return json.dumps(body[key], ensure_ascii=False)[:800] if not isinstance(body[key], str) else body[key][:800]
    return json.dumps(body, ensure_ascii=False)[:800]


def _retry_after(answer: httpx.Response) -> timedelta | None:
    """A 429's Retry-After in seconds (at most an hour); None: the outbox's own backoff."""
    value = answer.headers.get("Retry-After", "").strip()
    return timedelta(seconds=min(int(value), 3600)) if value.isdigit() else None
