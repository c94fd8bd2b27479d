"""POST /api/v1/usage-events: a company's own system says "this person used AI", all or nothing, idempotent."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import dashboard
from lms.adoption.models import UsageRollup
from lms.audit.models import AuditEvent
from lms.core.clock import utcnow, week_start
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.usage import events
from lms.usage.models import UsageEvent, UsageTelemetry
from tests.conftest import count
from tests.test_api import assert_error, bearer, make_token

URL = "/api/v1/usage-events"
NOW = utcnow()
JST_TODAY = events.japan_day(NOW)
LAST_WEEK = week_start(JST_TODAY) - timedelta(weeks=1)


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    """A company of seven employees: six people and the org admin, who is an employee too."""
    org = create_org(name="株式会社イベント")
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@a.example")
    return {"org": org, "admin": admin, "people": [create_user(org) for _ in range(6)]}


def at(day: date, hour: int = 3, minute: int = 0) -> str:
    """An RFC 3339 time on `day` in UTC (03:00 UTC is noon in Japan: the same date)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc).isoformat()


def event(ident: str, person: User, when: str, tool: str = "社内AI") -> dict[str, Any]:
    return {"id": ident, "user_id": person.id, "occurred_at": when, "tool": tool}


def post(client: Any, secret: str, items: list[dict[str, Any]]) -> Any:
    return client.post(URL, headers=bearer(secret), json={"events": items})


def telemetry(org: Organization) -> dict[tuple[int, date], int]:
    rows = db.session.scalars(in_org(sa.select(UsageTelemetry), org).where(UsageTelemetry.source == "api"))
    return {(t.user_id, t.week_start): t.active_days for t in rows}


def test_events_are_kept_and_rolled_up_into_japan_weeks(client: Any, company: dict[str, Any]) -> None:
    org, (p0, p1, *_) = company["org"], company["people"]
    secret = make_token(org, company["admin"], ["usage:write"])
    monday = LAST_WEEK
    items = [
        event("gw-1", p0, at(monday)), event("gw-2", p0, at(monday, 5)),  # one day, twice
        event("gw-3", p0, at(monday + timedelta(days=2))), event("gw-4", p1, at(monday + timedelta(days=4)), ""),
    ]
    response = post(client, secret, items)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"accepted": 4, "duplicates": 0, "weeks": sorted([
        {"user_id": p0.id, "week": monday.isoformat(), "active_days": 2},
        {"user_id": p1.id, "week": monday.isoformat(), "active_days": 1},
    ], key=lambda w: w["user_id"])}
    assert telemetry(org) == {(p0.id, monday): 2, (p1.id, monday): 1}
    kept = db.session.scalars(in_org(sa.select(UsageEvent), org).where(UsageEvent.client_id == "gw-1")).one()
    assert (kept.user_id, kept.day, kept.week_start, kept.tool) == (p0.id, monday, monday, "社内AI")
    row = db.session.scalars(in_org(sa.select(UsageTelemetry), org).where(UsageTelemetry.user_id == p0.id)).one()
    assert row.detail == {"events": 3, "tools": {"社内AI": 3}} and row.import_id is None
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "usage.events_posted")).one()


def test_sending_the_same_events_again_changes_nothing(client: Any, company: dict[str, Any]) -> None:
    org, person = company["org"], company["people"][0]
    secret = make_token(org, company["admin"], ["usage:write"])
    items = [event("a", person, at(LAST_WEEK)), event("b", person, at(LAST_WEEK + timedelta(days=1)))]
    assert post(client, secret, items).get_json()["accepted"] == 2
    telemetry_before = db.session.execute(sa.select(UsageTelemetry.__table__)).all()
    rollups_before = db.session.scalars(in_org(sa.select(UsageRollup.id), org)).all()
    # the same events again, one new, and a repeat inside the request: the time may be written in another offset
    jst = (datetime.fromisoformat(at(LAST_WEEK)).astimezone(timezone(timedelta(hours=9)))).isoformat()
    again = post(client, secret, [event("a", person, jst), items[1], items[1]])
    assert again.status_code == 200
    assert again.get_json() == {"accepted": 0, "duplicates": 3,
                                "weeks": [{"user_id": person.id, "week": LAST_WEEK.isoformat(), "active_days": 2}]}
    assert count(UsageEvent) == 2
    assert db.session.execute(sa.select(UsageTelemetry.__table__)).all() == telemetry_before
    assert db.session.scalars(in_org(sa.select(UsageRollup.id), org)).all() == rollups_before


def test_the_same_id_with_other_content_is_a_conflict_naming_the_index(client: Any, company: dict[str, Any]) -> None:
    org, (p0, p1, *_) = company["org"], company["people"]
    secret = make_token(org, company["admin"], ["usage:write"])
    assert post(client, secret, [event("x", p0, at(LAST_WEEK))]).status_code == 200
    changed = [event("new", p0, at(LAST_WEEK)), event("x", p1, at(LAST_WEEK))]
    body = assert_error(post(client, secret, changed), 409, "conflict")
    assert body["details"] == [{"field": "events.1.id", "message": events.MESSAGES["changed"]}]
    repeated = [event("y", p0, at(LAST_WEEK)), event("y", p0, at(LAST_WEEK), tool="other")]
    body = assert_error(post(client, secret, repeated), 409, "conflict")
    assert body["details"][0]["field"] == "events.1.id"
    assert count(UsageEvent) == 1


def test_ids_written_by_a_parallel_request_meanwhile_are_a_conflict_to_send_again(
        client: Any, company: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    org, person = company["org"], company["people"][0]
    secret = make_token(org, company["admin"], ["usage:write"])
    assert post(client, secret, [event("taken", person, at(LAST_WEEK))]).status_code == 200
    # as if another request wrote "taken" between this one's look-up and its insert
    monkeypatch.setattr(events, "_kept", lambda org, items: {})
    body = assert_error(post(client, secret, [event("fresh", person, at(LAST_WEEK)), event("taken", person, at(LAST_WEEK))]),
                        409, "conflict")
    assert body["details"] == [] and "Send again" in body["message"]
    assert sorted(db.session.scalars(sa.select(UsageEvent.client_id))) == ["taken"]


@pytest.mark.real_commits
def test_two_requests_at_once_with_overlapping_events_keep_each_once(app: Any, company: dict[str, Any]) -> None:
    import threading

    org_id, person_id = company["org"].id, company["people"][0].id
    moment = datetime.fromisoformat(at(LAST_WEEK))
    batches = [[events.EventIn("x", person_id, moment)],
               [events.EventIn("x", person_id, moment), events.EventIn("y", person_id, moment + timedelta(days=1))]]
    barrier = threading.Barrier(2)
    results: list[events.EventsResult] = []
    errors: list[BaseException] = []

    def send(batch: list[events.EventIn]) -> None:
        with app.app_context():
            try:
                org = db.session.get(Organization, org_id)
                barrier.wait()
                results.append(events.record_events(org, batch, token_id=None))
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.accepted for r in results) == 2 and sum(r.duplicates for r in results) == 1
    assert sorted(db.session.scalars(sa.select(UsageEvent.client_id))) == ["x", "y"]
    assert telemetry(company["org"]) == {(person_id, LAST_WEEK): 2}


def test_one_bad_event_refuses_the_whole_request_naming_its_index(client: Any, company: dict[str, Any]) -> None:
    org, person = company["org"], company["people"][0]
    secret = make_token(org, company["admin"], ["usage:write"])
    now = datetime.now(timezone.utc)
    good = [event(f"ok-{n}", person, at(LAST_WEEK)) for n in range(3)]
    cases = [
        ({"id": "ok-9", "user_id": person.id, "occurred_at": "2026-11-30T10:00:00"}, "events.3.occurred_at"),  # no offset
        (event("future", person, (now + timedelta(hours=1)).isoformat()), "events.3.occurred_at"),
        (event("old", person, (now - timedelta(days=401)).isoformat()), "events.3.occurred_at"),
        (event("", person, at(LAST_WEEK)), "events.3.id"),
        (event("x" * 101, person, at(LAST_WEEK)), "events.3.id"),
        (event("bad\u202eid", person, at(LAST_WEEK)), "events.3.id"),
        (event("tool", person, at(LAST_WEEK), tool="a\x00b"), "events.3.tool"),
        (event("tool", person, at(LAST_WEEK), tool="t" * 101), "events.3.tool"),
        ({**event("u", person, at(LAST_WEEK)), "user_id": 2**31 + 5}, "events.3.user_id"),
        ({**event("u", person, at(LAST_WEEK)), "extra": 1}, "events.3.extra"),
    ]
    for bad, field in cases:
        body = assert_error(post(client, secret, [*good, bad]), 422, "invalid")
        assert field in [d["field"] for d in body["details"]], (bad, body)
    assert count(UsageEvent) == 0 and count(UsageTelemetry) == 0
    # a clock a few minutes ahead is not the future
    assert post(client, secret, [event("skew", person, (now + timedelta(minutes=2)).isoformat())]).status_code == 200


@pytest.mark.parametrize("size", [0, 501])
def test_a_request_carries_one_to_five_hundred_events(client: Any, company: dict[str, Any], size: int) -> None:
    secret = make_token(company["org"], company["admin"], ["usage:write"])
    items = [event(f"e{n}", company["people"][0], at(LAST_WEEK)) for n in range(size)]
    body = assert_error(post(client, secret, items), 422, "invalid")
    assert body["details"][0]["field"] == "events"
    assert count(UsageEvent) == 0


def test_another_companys_person_is_refused_like_an_unknown_one(client: Any, company: dict[str, Any],
                                                               create_org: Callable[..., Organization],
                                                               create_user: Callable[..., User]) -> None:
    org, person = company["org"], company["people"][0]
    stranger = create_user(create_org(name="他社"))
    secret = make_token(org, company["admin"], ["usage:write"])
    answers = []
    for user_id in (stranger.id, stranger.id + 10_000):
        items = [event("mine", person, at(LAST_WEEK)), {**event("theirs", person, at(LAST_WEEK)), "user_id": user_id}]
        answers.append(assert_error(post(client, secret, items), 422, "invalid"))
    assert answers[0] == answers[1]  # never says whether the id exists in another company
    assert answers[0]["details"] == [{"field": "events.1.user_id", "message": events.MESSAGES["unknown_user"]}]
    assert count(UsageEvent) == 0 and count(UsageTelemetry) == 0


def test_the_scope_is_needed_and_read_cannot_write(client: Any, company: dict[str, Any]) -> None:
    items = [event("a", company["people"][0], at(LAST_WEEK))]
    for scopes in (["users:read", "checkins:write"], ["usage:read"]):
        secret = make_token(company["org"], company["admin"], scopes)
        body = assert_error(post(client, secret, items), 403, "insufficient_scope")
        assert "usage:write" in body["message"]
    assert count(UsageEvent) == 0


@pytest.mark.parametrize("data", ["{", "[]", '{"events": "x"}', "", '"events"'])
def test_malformed_json_is_a_clear_error(client: Any, company: dict[str, Any], data: str) -> None:
    secret = make_token(company["org"], company["admin"], ["usage:write"])
    response = client.post(URL, headers={**bearer(secret), "Content-Type": "application/json"}, data=data)
    assert response.status_code in (400, 422) and response.mimetype == "application/json"
    assert set(response.get_json()) == {"code", "message", "details"}
    assert count(UsageEvent) == 0


def test_a_sunday_evening_in_utc_is_monday_in_japan(client: Any, company: dict[str, Any]) -> None:
    org, person = company["org"], company["people"][0]
    secret = make_token(org, company["admin"], ["usage:write"])
    sunday = LAST_WEEK - timedelta(days=1)  # the Sunday before last week
    items = [event("sun-late", person, at(sunday, 23, 30)), event("sun-early", person, at(sunday, 14, 59))]
    assert post(client, secret, items).status_code == 200
    # 23:30 UTC Sunday = 08:30 Monday in Japan: last week; 14:59 UTC = 23:59 Sunday in Japan: the week before
    assert telemetry(org) == {(person.id, LAST_WEEK): 1, (person.id, LAST_WEEK - timedelta(weeks=1)): 1}
    days = dict(db.session.execute(in_org(sa.select(UsageEvent.client_id, UsageEvent.day), org)).all())
    assert days == {"sun-late": LAST_WEEK, "sun-early": sunday}


def test_the_dashboard_counts_the_week_as_active(client: Any, company: dict[str, Any],
                                                 create_user: Callable[..., User]) -> None:
    org, people = company["org"], company["people"]
    secret = make_token(org, company["admin"], ["usage:write"])
    assert dashboard.build(org).company.active in (None, 0)
    items = [event(f"p{n}", p, at(LAST_WEEK + timedelta(days=1))) for n, p in enumerate(people[:5])]
    assert post(client, secret, items).status_code == 200
    board = dashboard.build(org)
    assert board.week == LAST_WEEK
    assert board.company.active == pytest.approx(5 / 7)  # six people and the admin are employees
    assert board.sources is not None and board.sources.people == 5 and board.sources.telemetry_active == 1.0
    assert board.sources.kinds == ("api",)
    create_user(org, roles=(Role.EXECUTIVE,), email="boss@a.example")
    client.login("boss@a.example")
    page = client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    assert 'data-testid="sources"' in page and "社内システム（API）" in page


def test_pure_sorting_of_a_request() -> None:
    t = datetime(2026, 11, 30, 3, tzinfo=timezone.utc)
    a, a_again, a_other = events.EventIn("a", 1, t), events.EventIn("a", 1, t), events.EventIn("a", 2, t)
    fresh, duplicates, problems = events.sort_out([a, a_again, a_other, events.EventIn("b", 1, t)], {})
    assert [e.client_id for e in fresh] == ["a", "b"] and duplicates == 1
    assert problems == [events.EventProblem(2, "id", "repeated")]
    assert events.roll_up([(1, date(2026, 11, 30), "x"), (1, date(2026, 12, 6), ""), (1, date(2026, 12, 7), "x")]) == {
        (1, date(2026, 11, 30)): (2, {"events": 2, "tools": {"x": 1}}),
        (1, date(2026, 12, 7)): (1, {"events": 1, "tools": {"x": 1}}),
    }


# --- GET /usage/weeks ------------------------------------------------------------------------------

def test_a_weeks_figures_are_aggregates_under_the_threshold(client: Any, company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    writer = make_token(org, company["admin"], ["usage:write"])
    reader = make_token(org, company["admin"], ["usage:read"])
    items = [event(f"p{n}", p, at(LAST_WEEK + timedelta(days=2))) for n, p in enumerate(people[:5])]
    items += [event("older", people[0], at(LAST_WEEK - timedelta(days=3)))]  # the week before: three days ago Friday
    assert post(client, writer, items).status_code == 200
    answer = client.get("/api/v1/usage/weeks", headers=bearer(reader))
    assert answer.status_code == 200
    assert answer.get_json() == {"week": LAST_WEEK.isoformat(), "min_group": 5, "people": 5, "active": 1.0,
                                 "self_active": 0.0, "sources": [{"source": "api", "people": 5, "active": 1.0}]}
    # any day of a week names it; a week of one person shows counts, never a share
    sunday = (LAST_WEEK - timedelta(days=1)).isoformat()
    small = client.get(f"/api/v1/usage/weeks?week={sunday}", headers=bearer(writer)).get_json()
    assert small == {"week": (LAST_WEEK - timedelta(weeks=1)).isoformat(), "min_group": 5, "people": 1, "active": None,
                     "self_active": None, "sources": [{"source": "api", "people": 1, "active": None}]}
    assert "user_id" not in answer.get_data(as_text=True) and people[0].email not in str(small)


def test_weeks_need_the_usage_scope_and_refuse_other_parameters(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    other = make_token(org, company["admin"], ["adoption:read"])
    assert_error(client.get("/api/v1/usage/weeks", headers=bearer(other)), 403, "insufficient_scope")
    secret = make_token(org, company["admin"], ["usage:read"])
    assert_error(client.get("/api/v1/usage/weeks?user_id=1", headers=bearer(secret)), 400, "unknown_parameter")
    body = assert_error(client.get("/api/v1/usage/weeks?week=2026-13-01", headers=bearer(secret)), 422, "invalid")
    assert body["details"][0]["field"] == "week"
    empty = client.get("/api/v1/usage/weeks", headers=bearer(secret)).get_json()
    assert (empty["people"], empty["active"], empty["sources"]) == (0, None, [])


def test_the_token_page_offers_the_usage_scopes(client: Any, company: dict[str, Any]) -> None:
    client.login("admin@a.example")
    page = client.get(f"/o/{company['org'].id}/api-tokens/").get_data(as_text=True)
    assert 'value="usage:read"' in page and 'value="usage:write"' in page
    assert "自社システムからの利用イベント" in page
