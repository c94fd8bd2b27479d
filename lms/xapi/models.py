"""Every xAPI statement the LMS made, kept for export and delivered through the outbox."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class XapiStatement(OrgOwnedMixin, TimestampMixin, Model):
    """One statement, written in the transaction of the event that caused it.

    `id` is the statement's own UUID (also inside `payload`), made once, so a
    resend after a lost answer is recognised by the LRS. `outbox_id` is the
    outbox row (channel "xapi") that delivers it; None when no LRS was set up
    (LMS_XAPI_ENDPOINT empty) when it was made: kept for export only.
    """

    __tablename__ = "xapi_statements"
    __table_args__ = (sa.Index("ix_xapi_statements_org_id_created_at", "org_id", "created_at"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    sent_at: Mapped[datetime | None]
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("email_messages.id", ondelete="SET NULL"), unique=True
    )
