from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import TimestampMixin
from lms.extensions import Model


class EmailMessage(TimestampMixin, Model):
    """Every message the system sends, recorded before it is sent.

    The table is the outbox: rows are written in the same transaction as the
    action that caused them; the worker process (lms.outbox) delivers them
    after that commits. `channel` picks the dispatcher (only "mail" today);
    `kind` is what the message is about (reminder, password_reset, ...).
    """

    __tablename__ = "email_messages"
    __table_args__ = (sa.Index("ix_email_messages_status_id", "status", "id"),)

    QUEUED = "queued"  # waiting, or waiting to retry when next_attempt_at is set
    SENDING = "sending"  # claimed by one worker until claimed_at + lease
    SENT = "sent"
    FAILED = "failed"
    OUTBOX = "outbox"  # no SMTP configured: kept for admins to read
    # What each status means to the admin reading the sent-mail pages.
    STATUS_LABELS = {
        QUEUED: _l("Waiting to be sent"),
        SENDING: _l("Sending"),
        SENT: _l("Sent"),
        FAILED: _l("Could not be sent"),
        OUTBOX: _l("Kept here (no mail server set up)"),
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Lets scheduled jobs say "this exact message was already sent" across restarts.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]
    # The worker's bookkeeping (lms.outbox): which dispatcher, when to retry, who holds the row.
    channel: Mapped[str] = mapped_column(sa.String(20), default="mail", server_default="mail")
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)

    @property
    def retrying(self) -> bool:
        """Queued again after a failed attempt, waiting for `next_attempt_at`."""
        return self.status == self.QUEUED and self.attempts > 0 and self.next_attempt_at is not None

    @property
    def status_label(self) -> str:
        label = self.STATUS_LABELS.get(self.status)
        return str(label) if label is not None else self.status
