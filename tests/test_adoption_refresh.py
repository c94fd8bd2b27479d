"""The rollup refresh job: one transaction per company, a failing company does not stop the others."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service
from lms.adoption.models import UsageRollup
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.scheduler.runner import run_named

pytestmark = pytest.mark.real_commits  # what other connections see committed is the point

NOW = utcnow()


@pytest.fixture
def companies(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> list[Organization]:
    """Three companies whose last-week rollups are out of date: each hired a person after the answers."""
    orgs = []
    for _ in range(3):
        org = create_org()
        person = create_user(org)
        service.save_checkin(person, service.this_week(NOW) - timedelta(weeks=1),
                             service.CheckinDraft(days_used=2), now=NOW)
        db.session.commit()
        create_user(org)  # joined afterwards: only the job can count them
        orgs.append(org)
    return orgs


def people_last_week(org_id: int) -> int | None:
    """What another connection (a web worker) sees committed for the company's last week."""
    with db.engine.connect() as other:
        return other.scalar(
            sa.select(sa.func.sum(UsageRollup.people))
            .where(UsageRollup.org_id == org_id, UsageRollup.week == service.this_week(NOW) - timedelta(weeks=1))
        )


def test_the_job_recounts_every_company(companies: list[Organization]) -> None:
    assert [people_last_week(o.id) for o in companies] == [1, 1, 1]
    assert run_named("refresh_rollups", NOW) == 3
    assert [people_last_week(o.id) for o in companies] == [2, 2, 2]


def test_each_company_is_committed_before_the_next_begins(companies: list[Organization],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, third = (o.id for o in companies)
    seen: dict[int, list[int | None]] = {}
    write = service._write_weeks

    def watching(org_id: int, tallied: Any) -> None:
        # While one company is written, the companies before it are already visible to other connections.
        seen.setdefault(org_id, [people_last_week(o) for o in (first, second, third)])
        write(org_id, tallied)

    monkeypatch.setattr(service, "_write_weeks", watching)
    assert run_named("refresh_rollups", NOW) == 3
    assert seen[second][0] == 2
    assert seen[third][:2] == [2, 2]
    assert seen[first] == [1, 1, 1]


def test_a_failing_company_is_logged_and_the_others_keep_their_refresh(
    companies: list[Organization], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    first, second, third = (o.id for o in companies)
    write = service._write_weeks

    def failing(org_id: int, tallied: Any) -> None:
        write(org_id, tallied)  # writes, then fails: nothing of it may stay
        if org_id == second:
            raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_write_weeks", failing)
    with caplog.at_level(logging.ERROR):
        assert run_named("refresh_rollups", NOW) == 2
    assert [people_last_week(o) for o in (first, second, third)] == [2, 1, 2]
    assert f"refresh_rollups failed for company {second}" in caplog.text


def test_a_crash_midway_keeps_the_companies_already_refreshed(
    companies: list[Organization], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker killed in company 2 (here: an exception no handler catches) loses only company 2's work."""
    first, second, third = (o.id for o in companies)
    write = service._write_weeks

    class Killed(BaseException):
        pass

    def killed(org_id: int, tallied: Any) -> None:
        if org_id == second:
            raise Killed()
        write(org_id, tallied)

    monkeypatch.setattr(service, "_write_weeks", killed)
    with pytest.raises(Killed):
        service.refresh_rollups(NOW)
    db.session.rollback()
    assert [people_last_week(o) for o in (first, second, third)] == [2, 1, 1]


def test_an_answer_that_arrives_while_the_job_counts_is_not_overwritten(
    companies: list[Organization], create_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The job counts before it takes the company's lock; what changed meanwhile is counted again."""
    first = companies[0]
    late = create_user(first)
    tally = service._tally_weeks
    calls: list[int] = []

    def answer_meanwhile(org_id: int, weeks: Any, settings: Any) -> Any:
        counted = tally(org_id, weeks, settings)
        calls.append(org_id)
        if calls == [first.id]:  # right after the job's first count, someone answers last week
            service.save_checkin(late, service.this_week(NOW) - timedelta(weeks=1),
                                 service.CheckinDraft(days_used=4), now=NOW)
        return counted

    monkeypatch.setattr(service, "_tally_weeks", answer_meanwhile)
    assert run_named("refresh_rollups", NOW) == 3
    assert calls.count(first.id) == 3  # the job's count, the answer's own rebuild, the job's recount under the lock
    with db.engine.connect() as other:
        responses = other.scalar(
            sa.select(sa.func.sum(UsageRollup.responses))
            .where(UsageRollup.org_id == first.id, UsageRollup.week == service.this_week(NOW) - timedelta(weeks=1))
        )
    assert responses == 2


def test_a_hire_while_the_job_counts_is_counted(
    companies: list[Organization], create_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = companies[0]
    tally = service._tally_weeks
    hired: list[User] = []

    def hire_meanwhile(org_id: int, weeks: Any, settings: Any) -> Any:
        counted = tally(org_id, weeks, settings)
        if org_id == first.id and not hired:
            hired.append(create_user(first))  # commits, as another request would
        return counted

    monkeypatch.setattr(service, "_tally_weeks", hire_meanwhile)
    assert run_named("refresh_rollups", NOW) == 3
    assert people_last_week(first.id) == 3
