"""Company isolation: walk every company route as every role with another company's ids.

Every route under /o/<org_id>/ is found from the URL map, so a new route is
covered (or this test fails asking how to fill its arguments).
"""
from __future__ import annotations

import hashlib
from datetime import time, timedelta
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import RosterImport, TrainerAssignment, User
from lms.accounts.roles import Role
from lms.api import service as api_service
from lms.cohorts import service as cohort_service
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import scoped
from lms.usage.models import UsageMapping
from lms.core import clock

MISSING = 999_999


@dataclass
class Company:
    org: Organization
    executive: User
    org_admin: User
    employee: User
    department: Department
    roster_import: RosterImport
    usage_import_id: int
    mapping_id: int  # a saved column choice of its own usage format
    course_slug: str  # a course only this company's industry sees
    cohort_id: int
    module_id: int
    attempt_id: int  # a cohort member's prompt-practice attempt
    token_id: int  # an API token of the company
    api_secret: str  # its secret, with every scope

    def ids(self) -> dict[str, int | str]:
        """Values for every argument a company route may take."""
        return {
            "org_id": self.org.id,
            "user_id": self.employee.id,
            "department_id": self.department.id,
            "import_id": self.roster_import.id,
            "usage_import_id": self.usage_import_id,
            "mapping_id": self.mapping_id,
            "course_slug": self.course_slug,
            "module_slug": "hajimeni",
            "lesson_slug": "renshu",  # an exercise lesson: its practice pages take the same arguments
            "cohort_id": self.cohort_id,
            "module_id": self.module_id,
            "attempt_id": self.attempt_id,
            "token_id": self.token_id,
            "name": "departments",
            "fmt": "csv",
            "case_id": "shift-shitagaki",  # provider content: the same case in every company
        }


def _company(name: str, industry: str, create_org: Any, create_user: Any, sync_course: Any, tag: str) -> Company:
    org = create_org(name=name, industry=industry)
    course = sync_course(slug=f"kiso-{tag}", industries=f"[{industry}]", exercise="owabi-mail")
    dept = Department(org_id=org.id, name="総務部")
    staged = RosterImport(org_id=org.id, filename="r.csv", encoding="utf-8", rows=[])
    db.session.add_all([dept, staged])
    db.session.commit()
    employee = create_user(org, roles=(Role.EMPLOYEE,), email=f"emp@{tag}.example")
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=clock.today(), session_weekday=2,
        session_time=time(10), member_ids=[employee.id],
    ))
    db.session.commit()
    from tests.practiceworld import GOOD, attempt, example_exercise

    practice = attempt(employee, example_exercise(), GOOD)
    from lms.usage.service import stage_unmapped

    # A file in the company's own format, waiting for its columns: the preview and the column choice both answer.
    usage_import = stage_unmapped(org, f"mail,day\r\nemp@{tag}.example,2026-11-24\r\n".encode(), "own.csv", actor=None)
    org_admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email=f"admin@{tag}.example")
    token, secret = api_service.create_token(org, name="HR", scopes=list(api_service.SCOPES), days=30, actor=org_admin)
    mapping = UsageMapping(org_id=org.id, email_column="mail", date_column="day", activity_column="")
    db.session.add(mapping)
    db.session.commit()
    return Company(
        org=org,
        executive=create_user(org, roles=(Role.EXECUTIVE,), email=f"exec@{tag}.example"),
        org_admin=org_admin,
        employee=employee,
        department=dept,
        roster_import=staged,
        usage_import_id=usage_import.id,
        mapping_id=mapping.id,
        course_slug=course.slug,
        cohort_id=cohort.id,
        module_id=course.modules[0].id,
        attempt_id=practice.id,
        token_id=token.id,
        api_secret=secret,
    )


@pytest.fixture
def world(app: Flask, create_org: Any, create_user: Any, sync_course: Any) -> dict[str, Any]:
    a = _company("株式会社A", "manufacturing", create_org, create_user, sync_course, "a")
    b = _company("株式会社B", "construction", create_org, create_user, sync_course, "b")
    from tests.usecaseworld import PLAIN, load_cases

    load_cases(shift_shitagaki=PLAIN)
    from lms.usecases.models import UsecaseTrial
    from tests.trialfactory import trial

    # Workshop trials in both companies (a named share picked up by a colleague), so the dashboard's use-case
    # section, the champions page and the recommendations have another company's rows to leak.
    for company in (a, b):
        shared = trial(company.org_admin, "shift-shitagaki", outcome=UsecaseTrial.ADAPTED, minutes_before=90,
                       minutes_after=30, share=UsecaseTrial.NAMED)
        trial(company.employee, "shift-shitagaki", outcome=UsecaseTrial.ADOPTED, minutes_before=60, minutes_after=20,
              shared_from=shared)
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    db.session.add(TrainerAssignment(org_id=a.org.id, trainer_id=trainer.id))
    db.session.commit()
    return {"a": a, "b": b, "trainer": trainer}


def company_rules(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.rule.startswith("/o/<int:org_id>")), key=lambda r: r.rule
    )


def _fill(pattern: str, ids: dict[str, int | str]) -> str:
    for name, value in ids.items():
        pattern = pattern.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    assert "<" not in pattern, f"{pattern}: add its arguments to Company.ids() so the isolation walk covers it"
    return pattern


# Route arguments that name a kind of thing (an export table, a file format) or provider content (a use case),
# the same in every company.
VOCABULARY_ARGS = {"name", "fmt", "case_id"}


def fingerprint(skip: frozenset[str] = frozenset()) -> str:
    """A digest of every row of every table (but `skip`): equal before and after means nothing changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = db.session.execute(sa.select(table)).all()
        for row in sorted(repr(tuple(row)) for row in rows):
            digest.update(row.encode())
    return digest.hexdigest()


def _request(client: Any, method: str, url: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    return client.submit(url, {}, page="/account").status_code


def _actors(world: dict[str, Any]) -> list[User]:
    a = world["a"]
    return [a.employee, a.executive, a.org_admin, world["trainer"]]


def test_every_company_route_is_walked(app: Flask) -> None:
    assert len(company_rules(app)) >= 8


def test_another_companys_pages_answer_404_and_change_nothing(app: Flask, world: dict[str, Any]) -> None:
    b_ids = world["b"].ids()
    for actor in _actors(world):
        client = app.test_client()
        client.login(actor.email)
        before = fingerprint()
        for rule in company_rules(app):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                status = _request(client, method, _fill(rule.rule, b_ids))
                assert status == 404, f"{actor.email} {method} {rule.rule} on company B answered {status}"
        assert fingerprint() == before, f"requests by {actor.email} changed data"


def test_another_companys_ids_inside_ones_own_company_look_like_missing_ids(app: Flask, world: dict[str, Any]) -> None:
    a, b = world["a"], world["b"]
    for actor in _actors(world):
        client = app.test_client()
        client.login(actor.email)
        before = fingerprint()
        for rule in company_rules(app):
            if rule.arguments - VOCABULARY_ARGS == {"org_id"}:
                continue
            foreign = {**b.ids(), "org_id": a.org.id}
            missing = {k: (MISSING if isinstance(v, int) else "missing") for k, v in b.ids().items()} | {"org_id": a.org.id}
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                got = _request(client, method, _fill(rule.rule, foreign))
                expected = _request(client, method, _fill(rule.rule, missing))
                assert got == expected and got in (403, 404), (
                    f"{actor.email} {method} {rule.rule} with company B's ids answered {got}, missing ids {expected}"
                )
                if actor is a.org_admin:
                    assert got == 404
        assert fingerprint() == before, f"requests by {actor.email} changed data"


def test_the_own_company_walk_reaches_real_pages(app: Flask, world: dict[str, Any]) -> None:
    # Control for the tests above: the same URLs with one's own ids do answer.
    a = world["a"]
    clients = []
    for actor in _actors(world):
        client = app.test_client()
        client.login(actor.email)
        clients.append(client)
    for rule in company_rules(app):
        if "GET" in rule.methods:
            statuses = [c.get(_fill(rule.rule, a.ids())).status_code for c in clients]
            assert 200 in statuses, f"{rule.rule}: nobody of company A reaches it ({statuses})"


# The API's own bookkeeping: every request counts against its token and notes its last use.
API_BOOKKEEPING = frozenset({"api_tokens", "api_rate_windows"})


# A POST that names another company's person, how it is refused and the field it names (default: a check-in, 404).
API_POSTS: dict[str, tuple[dict[str, Any], int, str]] = {
    "/api/v1/usage-events": ({"events": [{"id": "e1", "user_id": "PERSON", "occurred_at": "YESTERDAY"}]}, 422,
                             "events.0.user_id"),
}


def _fill_person(body: Any, person_id: int) -> Any:
    if isinstance(body, dict):
        return {k: _fill_person(v, person_id) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill_person(v, person_id) for v in body]
    if body == "YESTERDAY":
        return (clock.utcnow() - timedelta(days=1)).isoformat()
    return person_id if body == "PERSON" else body


def api_rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")), key=lambda r: r.rule)


def test_the_api_answers_only_about_the_tokens_company(app: Flask, world: dict[str, Any]) -> None:
    a, b = world["a"], world["b"]
    rules = api_rules(app)
    # The token fixes the company: no route takes an argument that could name another company's rows.
    assert len(rules) >= 6 and all(not r.arguments for r in rules), "an API route takes a path argument"
    client = app.test_client()
    for reader, other in ((a, b), (b, a)):
        headers = {"Authorization": f"Bearer {reader.api_secret}"}
        before = fingerprint(API_BOOKKEEPING)
        for rule in rules:
            if "GET" in rule.methods:
                response = client.get(rule.rule, headers=headers)
                assert response.status_code == 200, f"{rule.rule}: {response.status_code}"
                text = response.get_data(as_text=True)
                for leak in (other.employee.email, other.org_admin.email, other.org.name):
                    assert leak.encode("unicode_escape").decode() not in text and leak not in text, (
                        f"{rule.rule} with {reader.org.name}'s token shows {leak}")
            if "POST" in rule.methods:
                body, refused, field = API_POSTS.get(rule.rule, ({"user_id": "PERSON", "days_used": 1}, 404, "user_id"))
                response = client.post(rule.rule, headers=headers, json=_fill_person(body, other.employee.id))
                assert response.status_code == refused, f"POST {rule.rule} for another company's person: {response.status_code}"
                assert [d["field"] for d in response.get_json()["details"]] == [field], response.get_json()
        assert fingerprint(API_BOOKKEEPING) == before, f"{reader.org.name}'s token changed data"


def test_a_trainer_sees_only_assigned_companies(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    client.login("trainer@provider.example")
    assert client.get(f"/o/{world['a'].org.id}/members/").status_code == 200
    assert client.get(f"/o/{world['b'].org.id}/members/").status_code == 404
    page = client.get("/trainer").get_data(as_text=True)
    assert "株式会社A" in page and "株式会社B" not in page


def test_anonymous_visitors_are_sent_to_sign_in_not_told_what_exists(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    for org_id in (world["b"].org.id, MISSING):
        response = client.get(f"/o/{org_id}/members/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_pages_are_forbidden_to_everyone_but_admins(app: Flask, world: dict[str, Any]) -> None:
    admin_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    ids = {"org_id": world["a"].org.id, "trainer_id": world["trainer"].id, "message_id": 1}
    for actor in _actors(world):
        client = app.test_client()
        client.login(actor.email)
        for rule in admin_rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                status = _request(client, method, _fill(rule.rule, ids))
                assert status == 403, f"{actor.email} {method} {rule.rule} answered {status}"


def test_scoped_refuses_tables_that_are_not_company_owned(app: Flask, world: dict[str, Any]) -> None:
    with app.test_request_context():
        from flask import g

        g.org = world["a"].org
        with pytest.raises(TypeError):
            scoped(sa.select(Organization))


def test_scoped_outside_a_company_page_fails_closed(app: Flask) -> None:
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="no company"):
            scoped(sa.select(Department))


def test_every_table_with_a_company_column_is_known() -> None:
    from lms import models  # noqa: F401
    from lms.db import OrgOwnedMixin

    owned = {m.class_.__tablename__ for m in db.Model.registry.mappers if issubclass(m.class_, OrgOwnedMixin)}
    # Provider-side tables keep org_id for filtering by admins only; users carry it nullable (staff have none).
    provider_side = {"audit_events", "email_messages", "users"}
    with_org_id = {t.name for t in db.metadata.sorted_tables if "org_id" in t.c}
    assert with_org_id == owned | provider_side
