from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db


def record(
    action: str,
    *,
    actor: User | None,
    org_id: int | None = None,
    subject: str = "",
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        org_id=org_id,
        subject=subject[:300],
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event
