"""The recorded statements as one JSON file: an array of xAPI statements, oldest first, ready to POST to an LRS."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa

from lms.core.clock import zone
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.tenancy import in_org
from lms.xapi.models import XapiStatement


def _of(query: sa.Select[Any], org_id: int | None) -> sa.Select[Any]:
    """The query restricted to one company's statements, or every company's when `org_id` is None (the shell)."""
    return in_org(query, org_id, XapiStatement) if org_id is not None else query


def _query(org_id: int | None, since: date | None) -> sa.Select[Any]:
    query = _of(sa.select(XapiStatement.payload).order_by(XapiStatement.created_at, XapiStatement.id), org_id)
    if since is not None:  # from midnight of that day in the installation's time zone
        query = query.where(XapiStatement.created_at >= datetime.combine(since, time(0), tzinfo=zone()))
    return query


def chunks(org_id: int | None = None, since: date | None = None) -> Iterator[str]:
    """The JSON array in pieces (one statement each), read from the database a batch at a time."""
    yield "["
    first = True
    for payload in db.session.execute(_query(org_id, since).execution_options(yield_per=500)).scalars():
        yield ("\n" if first else ",\n") + json.dumps(payload, ensure_ascii=False, sort_keys=True)
        first = False
    yield "\n]\n"


def count(org_id: int | None = None, since: date | None = None) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_query(org_id, since).subquery())) or 0


def resend(*, failed: bool, unsent: bool, org_id: int | None = None) -> int:
    """Queue again the statements whose delivery failed (`failed`) or that were made while no LRS was set up
    (`unsent`); returns how many. The caller commits."""
    from lms.xapi.service import queue

    rows: list[XapiStatement] = []
    if failed:
        query = sa.select(XapiStatement).join(EmailMessage, EmailMessage.id == XapiStatement.outbox_id).where(
            EmailMessage.status == EmailMessage.FAILED)
        rows += db.session.scalars(_of(query, org_id))
    if unsent:
        query = sa.select(XapiStatement).where(XapiStatement.outbox_id.is_(None), XapiStatement.sent_at.is_(None))
        rows += db.session.scalars(_of(query, org_id))
    for row in rows:
        row.outbox_id = queue(row.org_id, row).id  # a new row: the failed one stays, with its reason, for the record
    db.session.flush()
    return len(rows)
