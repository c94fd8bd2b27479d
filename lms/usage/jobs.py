"""Scheduled work of the usage imports: files checked but never imported are removed after a week."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from lms.core.jobs import each
from lms.extensions import db
from lms.orgs.models import Organization
from lms.usage import service


def purge_staged_imports(now: datetime | None = None) -> int:
    """Delete every company's imports left staged or unmapped for more than STAGED_KEPT_DAYS days; returns how many."""
    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    return each(orgs, "usage staged-import purge", lambda org: len(service.purge_staged(org, now=now)))


JOBS: dict[str, Callable[[datetime | None], int]] = {
    "usage_purge_staged": purge_staged_imports,
}
