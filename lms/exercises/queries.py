"""Reads of exercises and attempts for the player, the trainers' review queue, the executives' dashboard and the CLI."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.cohorts.models import Cohort, CohortMember
from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseAttemptRevision, ExerciseRevision
from lms.exercises.source import ExerciseSource, parse_exercise_text
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org, owned_by


def exercise_by_slug(slug: str) -> Exercise | None:
    """The exercise of that slug, archived or not (old attempts still point at archived ones)."""
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


@functools.cache
def _exercise_and_attempt_statement() -> sa.Select[Exercise, ExerciseAttempt]:
    """Built once per process with bound parameters: the exercise page runs it on every request."""
    return (
        sa.select(Exercise, ExerciseAttempt).where(Exercise.slug == sa.bindparam("slug"))
        .outerjoin(ExerciseAttempt, sa.and_(
            ExerciseAttempt.exercise_id == Exercise.id, ExerciseAttempt.user_id == sa.bindparam("user_id"),
            owned_by(ExerciseAttempt, sa.bindparam("org_id")),
        ))
        .options(joinedload(Exercise.current_revision), joinedload(ExerciseAttempt.revisions))
    )


def exercise_and_attempt(user: User, slug: str) -> tuple[Exercise | None, ExerciseAttempt | None]:
    """The exercise with its current revision and the person's attempt with its revisions, in one statement."""
    row = db.session.execute(
        _exercise_and_attempt_statement(), {"slug": slug, "user_id": user.id, "org_id": user.org_id}
    ).unique().first()
    return (row[0], row[1]) if row is not None else (None, None)


def practice_card(user: User, slug: str) -> tuple[Exercise | None, ExerciseAttempt | None]:
    """What an exercise lesson's practice card shows: the exercise and the person's attempt, in one statement."""
    row = db.session.execute(
        sa.select(Exercise, ExerciseAttempt).where(Exercise.slug == slug).outerjoin(ExerciseAttempt, sa.and_(
            ExerciseAttempt.exercise_id == Exercise.id, ExerciseAttempt.user_id == user.id,
            owned_by(ExerciseAttempt, user.org_id),
        ))
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def source_of(revision: ExerciseRevision, slug: str) -> ExerciseSource:
    """The parsed exercise (rubric, secrets, sections) of one revision, to evaluate prompts with.

    Parsed from the revision's file text, which sync validated; memoised by that text.
    """
    return _parse(revision.raw, slug)


@functools.lru_cache(maxsize=256)
def _parse(raw: str, slug: str) -> ExerciseSource:
    return parse_exercise_text(raw, path=f"exercises/{slug}.md", slug=slug)


# --- trainer review, good examples, executives' aggregates ---------------------------------------

@dataclass(frozen=True)
class QueueRow:
    """One cohort member's attempt at one exercise, as the trainer's review queue shows it."""

    attempt: ExerciseAttempt
    member: User
    exercise: Exercise
    latest: ExerciseAttemptRevision | None
    checklist: list[str]  # the exercise's self-check items, in order (against `attempt.self_check`)
    compare: list[str]  # the labels of a comparison exercise's answers; empty for one answer

    @property
    def awaiting_review(self) -> bool:
        """Submitted for review and not reviewed since."""
        a = self.attempt
        return a.submitted_at is not None and (a.reviewed_at is None or a.reviewed_at < a.submitted_at)

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.latest.result.get("criteria", [])) if self.latest else []

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.latest.result.get("findings", [])) if self.latest else []

    @property
    def prompt_parts(self) -> list[tuple[str, dict[str, Any] | None]]:
        """The latest prompt cut at what the guard found: (text, finding or None), to highlight."""
        if self.latest is None:
            return []
        text, at = self.latest.prompt, 0
        parts: list[tuple[str, dict[str, Any] | None]] = []
        for f in sorted(self.findings, key=lambda f: (f["start"], f["end"])):
            start, end = max(f["start"], at), f["end"]
            if end <= start:
                continue
            if start > at:
                parts.append((text[at:start], None))
            parts.append((text[start:end], f))
            at = end
        if at < len(text):
            parts.append((text[at:], None))
        return parts

    @property
    def ticks(self) -> list[tuple[str, bool]]:
        marks = list(self.attempt.self_check or [])
        return [(item, bool(marks[i]) if i < len(marks) else False) for i, item in enumerate(self.checklist)]

    @property
    def answers(self) -> list[tuple[str, str]]:
        """(label, text) per answer; the label is empty for a single answer."""
        texts = list(self.attempt.answers or [])
        return [(self.compare[i] if i < len(self.compare) else "", t) for i, t in enumerate(texts) if t]


def review_queue(cohort: Cohort) -> list[QueueRow]:
    """The cohort members' attempts with at least one prompt: awaiting review first (oldest submission
    first), then the others (latest activity first). Three queries, whatever the size of the cohort."""
    members = in_org(sa.select(CohortMember.user_id), cohort.org_id).where(CohortMember.cohort_id == cohort.id)
    rows = db.session.execute(
        in_org(sa.select(ExerciseAttempt, User), cohort.org_id)
        .join(User, User.id == ExerciseAttempt.user_id)
        .where(ExerciseAttempt.user_id.in_(members), ExerciseAttempt.revisions_count > 0)
        .options(joinedload(ExerciseAttempt.exercise).joinedload(Exercise.current_revision))
    ).unique().all()
    attempts = [a for a, _u in rows]
    latest: dict[int, ExerciseAttemptRevision] = {}
    if attempts:
        keys = [(a.id, a.revisions_count) for a in attempts]
        for revision in db.session.scalars(
            in_org(sa.select(ExerciseAttemptRevision), cohort.org_id)
            .where(sa.tuple_(ExerciseAttemptRevision.attempt_id, ExerciseAttemptRevision.number).in_(keys))
        ):
            latest[revision.attempt_id] = revision
    out = []
    for attempt, member in rows:
        source = _source_or_none(attempt.exercise)
        out.append(QueueRow(
            attempt=attempt, member=member, exercise=attempt.exercise, latest=latest.get(attempt.id),
            checklist=list(source.checklist) if source else [], compare=list(source.compare) if source else [],
        ))

    def order(row: QueueRow) -> tuple[int, float, int]:
        a = row.attempt
        if row.awaiting_review:
            return (0, a.submitted_at.timestamp(), a.id)  # type: ignore[union-attr]
        last = row.latest.created_at if row.latest else a.created_at
        return (1, -last.timestamp(), a.id)

    return sorted(out, key=order)


def queue_attempt(cohort: Cohort, attempt_id: int) -> ExerciseAttempt | None:
    """One attempt of a member of the cohort (in the cohort's company), or None."""
    members = in_org(sa.select(CohortMember.user_id), cohort.org_id).where(CohortMember.cohort_id == cohort.id)
    return db.session.scalar(
        in_org(sa.select(ExerciseAttempt), cohort.org_id)
        .where(ExerciseAttempt.id == attempt_id, ExerciseAttempt.user_id.in_(members))
    )


def _source_or_none(exercise: Exercise) -> ExerciseSource | None:
    if exercise.current_revision is None:
        return None
    return source_of(exercise.current_revision, exercise.slug)


@dataclass(frozen=True)
class GoodExample:
    """A prompt a trainer marked as good, shared with the cohort: no name, no id of a person."""

    prompt: str
    score: int


GOOD_EXAMPLES_SHOWN = 3


def good_examples(org: Organization | int, exercise: Exercise, viewer: User) -> list[GoodExample]:
    """The latest passing, clean prompt of each attempt at `exercise` marked good, by the people who
    share a cohort with `viewer` (not the viewer's own); best first.

    A revision the personal-data guard found anything in is never shared, even when a later trainer
    decision marked the attempt good: only a revision that passed with no finding at all qualifies.
    """
    mine = in_org(sa.select(CohortMember.cohort_id), org).where(CohortMember.user_id == viewer.id)
    peers = in_org(sa.select(CohortMember.user_id), org).where(CohortMember.cohort_id.in_(mine))
    revisions = db.session.scalars(
        in_org(sa.select(ExerciseAttemptRevision), org)
        .join(ExerciseAttempt, ExerciseAttempt.id == ExerciseAttemptRevision.attempt_id)
        .where(
            owned_by(ExerciseAttempt, org), ExerciseAttempt.exercise_id == exercise.id,
            ExerciseAttempt.good_example.is_(True), ExerciseAttempt.user_id != viewer.id,
            ExerciseAttempt.user_id.in_(peers),
            ExerciseAttemptRevision.passed.is_(True), ExerciseAttemptRevision.blocked.is_(False),
        )
        .order_by(ExerciseAttemptRevision.attempt_id, ExerciseAttemptRevision.number.desc())
    )
    chosen: dict[int, ExerciseAttemptRevision] = {}
    for revision in revisions:
        if revision.attempt_id not in chosen and not revision.result.get("findings"):
            chosen[revision.attempt_id] = revision
    best = sorted(chosen.values(), key=lambda r: (-r.score, -r.id))[:GOOD_EXAMPLES_SHOWN]
    return [GoodExample(prompt=r.prompt, score=r.score) for r in best]


@dataclass(frozen=True)
class PracticeCounts:
    """Raw practice counts of one group (a department, or the company with `department_id` None)."""

    department_id: int | None
    people: int  # people with at least one prompt
    attempts: int  # attempts with at least one prompt (one per person and exercise)
    passed: int  # attempts that reached the pass score
    blocked_revisions: int  # prompts the personal-data guard stopped
    blocked_people: int  # people stopped at least once


def practice_counts(org: Organization | int) -> tuple[list[PracticeCounts], PracticeCounts]:
    """Counts per department and for the whole company, from two grouped queries; no text, no names."""
    blocked_person = sa.case((ExerciseAttempt.blocked_count > 0, ExerciseAttempt.user_id))
    columns = (
        sa.func.count(sa.distinct(ExerciseAttempt.user_id)), sa.func.count(ExerciseAttempt.id),
        sa.func.count(ExerciseAttempt.passed_at), sa.func.coalesce(sa.func.sum(ExerciseAttempt.blocked_count), 0),
        sa.func.count(sa.distinct(blocked_person)),
    )
    base = in_org(sa.select(User.department_id, *columns), org, ExerciseAttempt).select_from(ExerciseAttempt).join(
        User, User.id == ExerciseAttempt.user_id).where(ExerciseAttempt.revisions_count > 0)
    departments = [
        PracticeCounts(dept, int(p), int(a), int(ok), int(b), int(bp))
        for dept, p, a, ok, b, bp in db.session.execute(base.group_by(User.department_id))
    ]
    total = db.session.execute(
        in_org(sa.select(*columns), org, ExerciseAttempt).where(ExerciseAttempt.revisions_count > 0)
    ).one()
    company = PracticeCounts(None, *(int(v) for v in total))
    return departments, company
