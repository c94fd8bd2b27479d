"""Record xAPI statements in the transaction of the event that caused them, and queue them for the LRS.

Each hook in another service is one call into this module. A statement is
always written to `xapi_statements` (for export); when LMS_XAPI_ENDPOINT is
set it also gets an outbox row (channel "xapi"), which the worker delivers
(lms.xapi.delivery). Nothing here talks to the network, so an LRS that is slow
or down never holds up a request.

`experienced` is sent the first time a person opens a lesson (when the
progress row is made), not on every visit: a revisit writes nothing.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload
from flask import current_app
from flask_babel import gettext as _

from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.tenancy import in_org
from lms.xapi import statements as st
from lms.xapi.models import XapiStatement

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.adoption.models import UsageCheckin
    from lms.cohorts.models import Cohort
    from lms.courses.models import Course, Lesson
    from lms.exercises.models import ExerciseAttempt, ExerciseAttemptRevision

CHANNEL = "xapi"


def site() -> st.Site:
    config = current_app.config
    return st.Site(home_page=config["LMS_BASE_URL"], iri_base=config["LMS_XAPI_IRI_BASE"])


def actor_id(user: User) -> str:
    """The person's opaque xAPI id, made once (race-safe: the first writer wins, the others read it)."""
    from lms.accounts.models import User

    if not user.xapi_id:
        db.session.execute(sa.update(User).where(User.id == user.id, User.xapi_id.is_(None))
                           .values(xapi_id=str(uuid.uuid4())).execution_options(synchronize_session=False))
        db.session.refresh(user, ["xapi_id"])
    assert user.xapi_id
    return user.xapi_id


def registration(cohort: Cohort) -> str:
    """The cohort's UUID: the xAPI registration of everything its members do in it."""
    from lms.cohorts.models import Cohort

    if not cohort.uuid:
        db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id, Cohort.uuid.is_(None))
                           .values(uuid=str(uuid.uuid4())).execution_options(synchronize_session=False))
        db.session.refresh(cohort, ["uuid"])
    assert cohort.uuid
    return cohort.uuid


def _cohort_of(user: User, course_id: int) -> Cohort | None:
    """The person's latest cohort that teaches the course, if any."""
    from lms.cohorts.models import Cohort, CohortCourse, CohortMember

    if user.org_id is None:
        return None
    return db.session.scalar(
        in_org(sa.select(Cohort), user.org_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id, CohortCourse.course_id == course_id)
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(1)
    )


def _course(course_id: int) -> Course:
    from lms.courses.models import Course

    course = db.session.get(Course, course_id)
    assert course is not None
    return course


def _store(org_id: int, user: User, verb: str, activity: st.Activity, *, when: datetime | None = None,
           cohort: Cohort | None = None, parents: tuple[st.Activity, ...] = (), **result: Any) -> XapiStatement:
    event = st.Event(
        id=str(uuid.uuid4()), verb=verb, actor_id=actor_id(user), activity=activity, timestamp=when or utcnow(),
        registration=registration(cohort) if cohort is not None else None, parents=parents, **result,
    )
    row = XapiStatement(id=event.id, org_id=org_id, user_id=user.id, verb=verb, payload=st.build(site(), event))
    if current_app.config["LMS_XAPI_ENDPOINT"]:
        row.outbox_id = queue(org_id, row).id
    db.session.add(row)
    return row


def queue(org_id: int, row: XapiStatement) -> EmailMessage:
    """The outbox row that delivers one statement; admins see its state on the sent-messages page."""
    outbox = EmailMessage(
        channel=CHANNEL, kind=CHANNEL, org_id=org_id, to_address=_("Learning record store (xAPI)"),
        subject=_("xAPI statement: %(verb)s", verb=row.verb), body_text=row.id,
    )
    db.session.add(outbox)
    db.session.flush()
    return outbox


def _cohort_parent(cohort: Cohort | None) -> tuple[st.Activity, ...]:
    """The cohort as a parent in contextActivities (nothing when there is no cohort)."""
    return (st.cohort_activity(registration(cohort), cohort.name),) if cohort is not None else ()


def _lesson_parents(lesson: Lesson, course: Course, cohort: Cohort | None) -> tuple[st.Activity, ...]:
    return (st.course_activity(course.slug, course.title), *_cohort_parent(cohort))


# --- the hooks: one call each from the service that makes the event --------------------------------

def registered(cohort: Cohort, user_ids: Iterable[int], when: datetime | None = None) -> None:
    """People were added to a cohort."""
    activity = st.cohort_activity(registration(cohort), cohort.name)
    for user in _people(user_ids).values():
        _store(cohort.org_id, user, "registered", activity, when=when, cohort=cohort)


def _people(user_ids: Iterable[int]) -> dict[int, User]:
    from lms.accounts.models import User

    ids = sorted(set(user_ids))
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id))} if ids else {}


def lesson_opened(user: User, lesson: Lesson) -> None:
    if user.org_id is None:
        return
    course, cohort = _course(lesson.course_id), _cohort_of(user, lesson.course_id)
    _store(user.org_id, user, "experienced", st.lesson_activity(course.slug, lesson.slug, lesson.title),
           cohort=cohort, parents=_lesson_parents(lesson, course, cohort))


def lesson_completed(user: User, lesson: Lesson) -> None:
    if user.org_id is None:
        return
    course, cohort = _course(lesson.course_id), _cohort_of(user, lesson.course_id)
    _store(user.org_id, user, "completed", st.lesson_activity(course.slug, lesson.slug, lesson.title),
           cohort=cohort, parents=_lesson_parents(lesson, course, cohort), completion=True)


def course_completed(user: User, course_id: int) -> None:
    if user.org_id is None:
        return
    course, cohort = _course(course_id), _cohort_of(user, course_id)
    _store(user.org_id, user, "completed", st.course_activity(course.slug, course.title), cohort=cohort,
           parents=_cohort_parent(cohort), completion=True)


def quiz_scored(user: User, lesson: Lesson, score: int, passed: bool) -> None:
    """A quiz attempt, scored in percent (0-100)."""
    if user.org_id is None:
        return
    course, cohort = _course(lesson.course_id), _cohort_of(user, lesson.course_id)
    _store(user.org_id, user, "passed" if passed else "failed",
           st.quiz_activity(course.slug, lesson.slug, lesson.title), cohort=cohort,
           parents=(st.lesson_activity(course.slug, lesson.slug, lesson.title), *_lesson_parents(lesson, course, cohort)),
           score=st.Score(score), success=passed)


def exercise_scored(attempt: ExerciseAttempt, revision: ExerciseAttemptRevision) -> None:
    """One prompt of an exercise, scored by the rubric (0-100); a prompt the personal-data guard stopped is not sent."""
    if revision.blocked:
        return
    user = _people([attempt.user_id])[attempt.user_id]
    exercise = attempt.exercise
    activity = st.exercise_activity(exercise.slug, exercise.title)
    cohort: Cohort | None = None
    parents: tuple[st.Activity, ...] = ()
    if attempt.lesson_id is not None:
        from lms.courses.models import Lesson

        lesson = db.session.get(Lesson, attempt.lesson_id)
        if lesson is not None:
            course, cohort = _course(lesson.course_id), _cohort_of(user, lesson.course_id)
            parents = (st.lesson_activity(course.slug, lesson.slug, lesson.title),
                       *_lesson_parents(lesson, course, cohort))
    _store(attempt.org_id, user, "passed" if revision.passed else "failed", activity, when=revision.created_at,
           cohort=cohort, parents=parents, score=st.Score(revision.score), success=revision.passed)


def attended(cohort: Cohort, rows: Iterable[dict[str, Any]]) -> None:
    """New attendance marks (dicts with user_id, session_date, minutes, recorded_at)."""
    rows = list(rows)
    people = _people(r["user_id"] for r in rows)
    for row in rows:
        day: date = row["session_date"]
        name = f"{cohort.name} {day.month}/{day.day} のセッション"
        _store(cohort.org_id, people[row["user_id"]], "attended", st.session_activity(registration(cohort), day, name),
               when=row["recorded_at"], cohort=cohort, parents=_cohort_parent(cohort),
               duration_minutes=row["minutes"])


def attendance_removed(cohort: Cohort, marks: Iterable[tuple[date, int]], actor: User | None) -> None:
    """Attendance marks taken back (day, user id): each one's `attended` statement is voided.

    The voiding statement's actor is the trainer who took the mark back (the person themself when no one is
    named, as from the shell).
    """
    _void_attended(cohort, list(marks), actor)


def attendance_changed(cohort: Cohort, rows: Iterable[dict[str, Any]], actor: User | None) -> None:
    """Attendance marks whose minutes a trainer changed (dicts as for `attended`, with the new minutes): the
    earlier `attended` statement of each is voided and a new one sent with the new duration. The caller passes
    only marks whose minutes did change."""
    rows = list(rows)
    if not rows:
        return
    _void_attended(cohort, [(row["session_date"], row["user_id"]) for row in rows], actor)
    attended(cohort, rows)


def _void_attended(cohort: Cohort, marks: list[tuple[date, int]], actor: User | None) -> None:
    """Void the `attended` statements of these marks (day, user id) not voided yet (xAPI 1.0.3, 2.3.2)."""
    if not marks:
        return
    people = _people(user_id for _day, user_id in marks)
    wanted = {(site().iri("activities", "cohort", registration(cohort), "session", day.isoformat()), user_id)
              for day, user_id in marks}
    found = list(db.session.scalars(in_org(sa.select(XapiStatement), cohort.org_id).where(
        XapiStatement.verb == "attended", XapiStatement.user_id.in_(list(people)))))
    voided = {row.payload["object"]["id"] for row in db.session.scalars(in_org(sa.select(XapiStatement), cohort.org_id).where(
        XapiStatement.verb == "voided", XapiStatement.user_id.in_(list(people))))}
    for original in found:
        object_id = original.payload.get("object", {}).get("id")
        if original.user_id is None or original.id in voided or (object_id, original.user_id) not in wanted:
            continue
        person = people[original.user_id]
        who = actor if actor is not None else person
        row = XapiStatement(id=str(uuid.uuid4()), org_id=cohort.org_id, user_id=person.id, verb="voided")
        row.payload = st.voiding(site(), row.id, actor_id(who), original.id, utcnow())
        if current_app.config["LMS_XAPI_ENDPOINT"]:
            row.outbox_id = queue(cohort.org_id, row).id
        db.session.add(row)


def _cohort_in_week(user_id: int, org_id: int, week: date) -> Cohort | None:
    """The cohort the person is in during a check-in's week (Monday to Sunday): one whose run, from its start
    date to the last day of its last week, overlaps the week; the latest start when several. One query: the
    person's cohorts that start by the week's Sunday, latest first; the end is worked out from `weeks` here,
    the same way on every database."""
    from lms.cohorts.models import Cohort, CohortMember
    from lms.cohorts.service import calendar_of

    candidates = db.session.scalars(
        in_org(sa.select(Cohort), org_id).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, Cohort.start_date <= week + timedelta(days=6))
        .order_by(Cohort.start_date.desc(), Cohort.id.desc())
        .options(lazyload(Cohort.courses), lazyload(Cohort.trainers))  # neither is needed here
    )
    return next((cohort for cohort in candidates if calendar_of(cohort).ends_on() >= week), None)


def checked_in(user: User, checkin: UsageCheckin) -> None:
    """The weekly usage check-in: days used, tasks and minutes saved as result extensions (each save, with its revision).

    `minutes-saved` is the week's answer valued at its bucket's midpoint (lms.adoption.rules), as the dashboard
    counts it; `minutes-saved-bucket` is the answer itself (0 none ... 5 over two hours). The registration is
    the cohort the person is in that week (`_cohort_in_week`), which is also the statement's parent; none when
    they are in no cohort then.
    """
    from lms.adoption.rules import minutes_midpoint

    cohort = _cohort_in_week(user.id, checkin.org_id, checkin.week)
    _store(checkin.org_id, user, st.REPORTED_USAGE, st.usage_week_activity(checkin.week), when=checkin.updated_at,
           cohort=cohort, parents=_cohort_parent(cohort),
           extensions={"days-used": checkin.days_used, "tasks": list(checkin.tasks),
                       "minutes-saved": minutes_midpoint(checkin.minutes_bucket),
                       "minutes-saved-bucket": checkin.minutes_bucket, "week": checkin.week.isoformat(),
                       "revision": checkin.revision})
