"""One row per (job, time slot): the claim that lets any number of scheduler processes run each job once per slot.

Each host's APScheduler keeps its jobs in memory and fires every job on its own
interval; before running, a process inserts (job, slot_start) with ON CONFLICT
DO NOTHING, and only the process whose insert took effect runs the job.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model


class JobSlot(Model):
    __tablename__ = "scheduler_slots"

    job: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(sa.String(200))  # host:pid, for operators
