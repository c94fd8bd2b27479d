"""Requests to the AI model, their answers, and each company's monthly count."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class LLMRequest(OrgOwnedMixin, TimestampMixin, Model):
    """One question to the AI model for one purpose (an exercise attempt, say) and, once it came, its answer.

    (org, purpose, ref_id) names the request: asking again for the same
    reference returns the same row, so a double click sends nothing twice.
    Delivery is an outbox row (channel "llm", `outbox_id`), whose status,
    attempts and last_error are the request's delivery state; `text` holds the
    answer so far while it streams in, and the whole answer once it is done.
    """

    __tablename__ = "llm_requests"
    __table_args__ = (sa.UniqueConstraint("org_id", "purpose", "ref_id"),)

    BUDGET_EXHAUSTED = "budget_exhausted"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    ref_id: Mapped[int]
    messages: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    model: Mapped[str] = mapped_column(sa.String(200))
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("email_messages.id", ondelete="SET NULL"), unique=True
    )
    # Why nothing was sent: the monthly budget was used up when it was asked.
    refused: Mapped[str | None] = mapped_column(sa.String(32))
    text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    answer_model: Mapped[str | None] = mapped_column(sa.String(200))
    finish_reason: Mapped[str | None] = mapped_column(sa.String(40))
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    total_tokens: Mapped[int | None]
    updated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class LLMUsage(OrgOwnedMixin, Model):
    """Requests a company made to the AI model in one month (Japan time), counted against its budget."""

    __tablename__ = "llm_usage"
    __table_args__ = (sa.UniqueConstraint("org_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # "2026-12"
    requests: Mapped[int] = mapped_column(default=0, server_default="0")
