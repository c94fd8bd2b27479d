"""xAPI 1.0.3 statements, built from plain values (no database, no Flask): the verbs this LMS sends.

Identifiers (docs/deploy.md, "xAPI"):

* the actor is an account, never an e-mail address: `homePage` is the installation's
  URL (LMS_BASE_URL) and `name` is the person's opaque id (`users.xapi_id`, a UUID
  made once), so an LRS never learns who the person is from the statement alone;
* activities and the project's own verb and extensions are IRIs under one base,
  `LMS_XAPI_IRI_BASE` (by default LMS_BASE_URL + "/xapi"): `<base>/activities/course/<slug>`,
  `<base>/activities/lesson/<course slug>/<lesson slug>`, `<base>/activities/exercise/<slug>`,
  `<base>/activities/cohort/<cohort uuid>` (and `/session/<date>`), `<base>/activities/usage-week/<monday>`,
  `<base>/verbs/reported-usage`, `<base>/extensions/<name>`. Slugs, not database ids,
  so the IRIs survive a re-import of the content;
* the ADL verbs of the registry (registered, experienced, completed, passed, failed, attended);
* names shown to people are language maps in `ja-JP` (English in `en-US` where the LMS has it);
* `context.registration` is the cohort's UUID when the event belongs to a cohort.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/"
LANG = "ja-JP"

# verb key -> (IRI, display names); the key is what the statements table stores.
ADL_VERBS: dict[str, tuple[str, dict[str, str]]] = {
    "registered": (ADL + "registered", {"ja-JP": "登録した", "en-US": "registered"}),
    "experienced": (ADL + "experienced", {"ja-JP": "閲覧した", "en-US": "experienced"}),
    "completed": (ADL + "completed", {"ja-JP": "完了した", "en-US": "completed"}),
    "passed": (ADL + "passed", {"ja-JP": "合格した", "en-US": "passed"}),
    "failed": (ADL + "failed", {"ja-JP": "不合格だった", "en-US": "failed"}),
    "attended": (ADL + "attended", {"ja-JP": "出席した", "en-US": "attended"}),
    "voided": (ADL + "voided", {"ja-JP": "取り消した", "en-US": "voided"}),
}
REPORTED_USAGE = "reported-usage"
VERBS = (*ADL_VERBS, REPORTED_USAGE)


@dataclass(frozen=True)
class Site:
    """Where the statements come from: the installation's URL and the IRI base of the project's own terms."""

    home_page: str  # LMS_BASE_URL
    iri_base: str  # LMS_XAPI_IRI_BASE, by default home_page + "/xapi"
    platform: str = "AI研修 LMS"

    def iri(self, *parts: str) -> str:
        return "/".join([self.iri_base.rstrip("/"), *parts])


@dataclass(frozen=True)
class Activity:
    kind: str  # course, lesson, exercise, cohort, session, usage-week
    path: tuple[str, ...]  # after <base>/activities/
    name: str  # Japanese display name
    type_iri: str
    description: str = ""

    def to_json(self, site: Site) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": self.type_iri, "name": {LANG: self.name}}
        if self.description:
            definition["description"] = {LANG: self.description}
        return {"objectType": "Activity", "id": site.iri("activities", *self.path), "definition": definition}


@dataclass(frozen=True)
class Score:
    raw: int
    min: int = 0
    max: int = 100

    def to_json(self) -> dict[str, Any]:
        span = self.max - self.min
        scaled = (self.raw - self.min) / span if span else 0.0
        return {"scaled": round(max(-1.0, min(1.0, scaled)), 4), "raw": self.raw, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Event:
    """One thing a person did, ready to become a statement."""

    id: str  # the statement's UUID, made once and kept for every retry
    verb: str  # one of VERBS
    actor_id: str  # the person's opaque id
    activity: Activity
    timestamp: datetime
    registration: str | None = None  # the cohort's UUID
    parents: tuple[Activity, ...] = ()
    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    duration_minutes: int | None = None
    extensions: dict[str, Any] = field(default_factory=dict)  # short names, under <base>/extensions/


def course_activity(slug: str, title: str) -> Activity:
    return Activity("course", ("course", slug), title, ACTIVITY_TYPE + "course")


def lesson_activity(course_slug: str, slug: str, title: str) -> Activity:
    return Activity("lesson", ("lesson", course_slug, slug), title, ACTIVITY_TYPE + "lesson")


def quiz_activity(course_slug: str, slug: str, title: str) -> Activity:
    """A lesson's quiz, the thing that is passed or failed (the lesson itself is completed)."""
    return Activity("quiz", ("lesson", course_slug, slug, "quiz"), title, ACTIVITY_TYPE + "assessment")


def exercise_activity(slug: str, title: str) -> Activity:
    return Activity("exercise", ("exercise", slug), title, ACTIVITY_TYPE + "performance")


def cohort_activity(cohort_uuid: str, name: str) -> Activity:
    return Activity("cohort", ("cohort", cohort_uuid), name, ACTIVITY_TYPE + "course")


def session_activity(cohort_uuid: str, day: date, name: str) -> Activity:
    return Activity("session", ("cohort", cohort_uuid, "session", day.isoformat()), name, ACTIVITY_TYPE + "meeting")


def usage_week_activity(monday: date) -> Activity:
    return Activity("usage-week", ("usage-week", monday.isoformat()), f"{monday.isoformat()} の週の AI 活用状況",
                    "http://id.tincanapi.com/activitytype/survey")


def voiding(site: Site, statement_id: str, actor_id: str, voided_id: str, timestamp: datetime) -> dict[str, Any]:
    """A statement that voids an earlier one (an attendance mark a trainer took back): xAPI 1.0.3, 2.3.2."""
    return {
        "id": statement_id,
        "actor": {"objectType": "Agent", "account": {"homePage": site.home_page, "name": actor_id}},
        "verb": _verb(site, "voided"),
        "object": {"objectType": "StatementRef", "id": voided_id},
        "timestamp": _timestamp(timestamp),
    }


def _verb(site: Site, key: str) -> dict[str, Any]:
    if key == REPORTED_USAGE:
        return {"id": site.iri("verbs", REPORTED_USAGE), "display": {"ja-JP": "AI 活用状況を報告した", "en-US": "reported usage"}}
    iri, display = ADL_VERBS[key]
    return {"id": iri, "display": dict(display)}


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: statements carry UTC times")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(site: Site, event: Event) -> dict[str, Any]:
    """The statement as JSON (a dict ready for json.dumps)."""
    if event.verb not in VERBS:
        raise ValueError(f"unknown verb {event.verb!r}")
    context: dict[str, Any] = {"platform": site.platform, "language": LANG}
    if event.registration:
        context["registration"] = event.registration
    if event.parents:
        context["contextActivities"] = {"parent": [p.to_json(site) for p in event.parents]}
    statement: dict[str, Any] = {
        "id": event.id,
        "actor": {"objectType": "Agent", "account": {"homePage": site.home_page, "name": event.actor_id}},
        "verb": _verb(site, event.verb),
        "object": event.activity.to_json(site),
        "timestamp": _timestamp(event.timestamp),
        "context": context,
    }
    result: dict[str, Any] = {}
    if event.score is not None:
        result["score"] = event.score.to_json()
    if event.success is not None:
        result["success"] = event.success
    if event.completion is not None:
        result["completion"] = event.completion
    if event.duration_minutes is not None:
        result["duration"] = f"PT{int(event.duration_minutes)}M"
    if event.extensions:
        result["extensions"] = {site.iri("extensions", k): v for k, v in event.extensions.items()}
    if result:
        statement["result"] = result
    return statement
