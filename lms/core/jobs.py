"""The per-item loop every scheduled job uses: one item's failure never stops the others."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from lms.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")


def each(items: Iterable[T], job: str, work: Callable[[T], int]) -> int:
    """Run `work` per item in its own savepoint and sum what it returns.

    A failing item is rolled back to its savepoint, logged with the job's name
    and skipped; the caller commits what the others did.
    """
    done = 0
    for item in items:
        try:
            with db.session.begin_nested():
                done += work(item)
        except Exception:
            log.exception("%s failed for %r; the other items go on", job, item)
    return done
