"""The JSON API: tokens (shown once, hashed, scoped, expiring, revocable), endpoints, errors, rate limit."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption.models import UsageCheckin
from lms.api import service
from lms.api.models import ApiRateWindow, ApiToken
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Department, Organization
from tests.conftest import count

ALL = list(service.SCOPES)


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org(name="株式会社テスト")
    dept = Department(org_id=org.id, name="営業部")
    db.session.add(dept)
    db.session.commit()
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@a.example")
    people = [create_user(org, department_id=dept.id) for _ in range(6)]
    return {"org": org, "admin": admin, "people": people, "department": dept}


def make_token(org: Organization, actor: User, scopes: list[str] = ALL, days: int = 30) -> str:
    _, secret = service.create_token(org, name="HR system", scopes=scopes, days=days, actor=actor)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code and body["message"]
    return body


# --- tokens in the browser ------------------------------------------------------------------------

def test_an_org_admin_creates_a_token_that_is_shown_once_and_stored_hashed(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("admin@a.example")
    page = f"/o/{org.id}/api-tokens/"
    response = client.submit(page, {"name": "人事システム", "scopes": ["users:read", "checkins:write"], "days": "90"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secret = re.search(r"lms_pat_[A-Za-z0-9_\-]{40,}", html)
    assert secret, html
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.token_hash == hashlib.sha256(secret.group(0).encode()).hexdigest()
    assert secret.group(0) not in repr([tuple(r) for r in db.session.execute(sa.select(ApiToken.__table__)).all()])
    assert token.scopes == ["checkins:write", "users:read"] and token.org_id == org.id
    assert timedelta(days=89) < token.expires_at - utcnow() <= timedelta(days=90)
    again = client.get(page).get_data(as_text=True)
    assert secret.group(0) not in again and f"lms_pat_{token.hint}" in again
    assert client.get("/api/v1/users", headers=bearer(secret.group(0))).status_code == 200


def test_a_token_needs_a_name_and_a_scope(client: Any, company: dict[str, Any]) -> None:
    client.login("admin@a.example")
    response = client.submit(f"/o/{company['org'].id}/api-tokens/", {"name": "", "days": "90"})
    assert response.status_code == 422 and count(ApiToken) == 0


def test_employees_and_executives_cannot_manage_tokens(client: Any, company: dict[str, Any],
                                                      create_user: Callable[..., User]) -> None:
    create_user(company["org"], roles=(Role.EXECUTIVE,), email="exec@a.example")
    for email in ("exec@a.example", company["people"][0].email):
        client.login(email)
        assert client.get(f"/o/{company['org'].id}/api-tokens/").status_code == 403
        client.logout()


def test_a_revoked_token_is_refused_at_once(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    assert client.get("/api/v1/users", headers=bearer(secret)).status_code == 200
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.last_used_at is not None
    client.login("admin@a.example")
    page = f"/o/{company['org'].id}/api-tokens/"
    assert client.submit(f"{page}{token.id}/revoke", page=page).status_code == 302
    body = assert_error(client.get("/api/v1/users", headers=bearer(secret)), 401, "unauthorized")
    assert "revoked" in body["message"]


def test_an_expired_token_is_refused(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    body = assert_error(client.get("/api/v1/users", headers=bearer(secret)), 401, "unauthorized")
    assert "expired" in body["message"]


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer lms_pat_wrong", "Basic dXNlcjpwYXNz", "Token lms_pat_x",
])
def test_missing_or_unknown_tokens_are_refused(client: Any, company: dict[str, Any], header: str | None) -> None:
    make_token(company["org"], company["admin"])
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/users", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_browser_session_does_not_open_the_api(client: Any, company: dict[str, Any]) -> None:
    client.login("admin@a.example")
    response = client.get("/api/v1/users")
    assert_error(response, 401, "unauthorized")
    assert "Set-Cookie" not in response.headers


def test_a_token_without_the_scope_is_forbidden(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"], scopes=["catalog:read"])
    body = assert_error(client.get("/api/v1/users", headers=bearer(secret)), 403, "insufficient_scope")
    assert "users:read" in body["message"]
    assert_error(client.post("/api/v1/checkins", json={"user_id": 1, "days_used": 1}, headers=bearer(secret)),
                 403, "insufficient_scope")
    read_only = make_token(company["org"], company["admin"], scopes=["checkins:read"])
    assert_error(client.post("/api/v1/checkins", json={"user_id": 1, "days_used": 1}, headers=bearer(read_only)),
                 403, "insufficient_scope")


def test_another_companys_token_reads_only_its_own_company(client: Any, company: dict[str, Any],
                                                           create_org: Callable[..., Organization],
                                                           create_user: Callable[..., User]) -> None:
    other = create_org(name="株式会社ほか")
    outsider = create_user(other, roles=(Role.ORG_ADMIN,), email="admin@b.example")
    secret = make_token(other, outsider)
    people = client.get("/api/v1/users", headers=bearer(secret)).get_json()
    assert [p["email"] for p in people["items"]] == ["admin@b.example"]
    employee = company["people"][0]
    before = count(UsageCheckin)
    response = client.post("/api/v1/checkins", json={"user_id": employee.id, "days_used": 2}, headers=bearer(secret))
    assert_error(response, 404, "not_found")
    assert count(UsageCheckin) == before


# --- endpoints ------------------------------------------------------------------------------------

def test_users_are_paginated_without_password_hashes(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    first = client.get("/api/v1/users?per_page=5", headers=bearer(secret)).get_json()
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (7, 2, 1, 5)
    second = client.get("/api/v1/users?per_page=5&page=2", headers=bearer(secret)).get_json()
    assert len(second["items"]) == 2 and "Set-Cookie" not in client.get("/api/v1/users", headers=bearer(secret)).headers
    ids = {p["id"] for p in first["items"]} | {p["id"] for p in second["items"]}
    assert len(ids) == 7
    item = second["items"][0] if second["items"][0]["department"] else first["items"][0]
    assert set(item) == {"id", "display_name", "email", "department", "roles", "is_active"}
    assert "password" not in client.get("/api/v1/users", headers=bearer(secret)).get_data(as_text=True)


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=x"])
def test_bad_paging_is_invalid(client: Any, company: dict[str, Any], query: str) -> None:
    secret = make_token(company["org"], company["admin"])
    body = assert_error(client.get(f"/api/v1/users?{query}", headers=bearer(secret)), 422, "invalid")
    assert body["details"][0]["field"] == query.split("=")[0]


@pytest.mark.parametrize("url", ["/api/v1/users?sort=name", "/api/v1/adoption/summary?org_id=1",
                                 "/api/v1/catalog?q=x"])
def test_unknown_query_parameters_are_refused(client: Any, company: dict[str, Any], url: str) -> None:
    secret = make_token(company["org"], company["admin"])
    body = assert_error(client.get(url, headers=bearer(secret)), 400, "unknown_parameter")
    assert body["details"][0]["field"] == url.split("?")[1].split("=")[0]


def test_the_adoption_summary_keeps_small_groups_hidden(client: Any, company: dict[str, Any]) -> None:
    from tests.test_adoption import weekly

    for person in company["people"][:2]:
        weekly(person, 4)
    secret = make_token(company["org"], company["admin"], scopes=["adoption:read"])
    summary = client.get("/api/v1/adoption/summary", headers=bearer(secret)).get_json()
    assert summary["has_data"] is True and summary["min_group"] == 5
    assert summary["company"]["people"] == 7 and summary["company"]["active"] == pytest.approx(2 / 7)
    department = next(d for d in summary["departments"] if d["name"] == "営業部")
    assert department["people"] == 6
    assert summary["stage"] in {"nothing", "personal", "some_departments", "company_wide"}
    assert all(set(row) == {"label", "share"} for row in summary["tasks"])
    assert company["people"][0].email not in str(summary)


def test_the_summary_hides_a_company_below_the_threshold(client: Any, create_org: Callable[..., Organization],
                                                        create_user: Callable[..., User]) -> None:
    from tests.test_adoption import weekly

    org = create_org()
    admin = create_user(org, roles=(Role.ORG_ADMIN,))
    people = [create_user(org) for _ in range(3)]
    weekly(people[0], 2)
    summary = client.get("/api/v1/adoption/summary", headers=bearer(make_token(org, admin))).get_json()
    assert summary["company"]["people"] == 3 and summary["company"]["active"] is None


def test_a_checkin_is_posted_with_the_forms_rules(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"], scopes=["checkins:write"])
    person = company["people"][0]
    response = client.post("/api/v1/checkins", headers=bearer(secret), json={
        "user_id": person.id, "days_used": 3, "minutes_bucket": 2, "tasks": ["email"], "comment": "便利でした",
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user_id"] == person.id and body["days_used"] == 3 and body["revision"] == 1
    saved = db.session.scalars(sa.select(UsageCheckin)).one()
    assert saved.tasks == ["email"] and saved.comment == "便利でした"
    again = client.post("/api/v1/checkins", headers=bearer(secret), json={"user_id": person.id, "days_used": 4})
    assert again.get_json()["revision"] == 2 and count(UsageCheckin) == 1


def test_a_checkin_the_form_would_refuse_names_the_fields_and_saves_nothing(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"], scopes=["checkins:write"])
    person = company["people"][0]
    response = client.post("/api/v1/checkins", headers=bearer(secret), json={
        "user_id": person.id, "days_used": 2, "tools": ["NotOnTheList"], "tasks": ["custom:nope"],
    })
    body = assert_error(response, 422, "invalid")
    assert {d["field"] for d in body["details"]} == {"tools", "tasks"}
    assert count(UsageCheckin) == 0
    schema_refused = client.post("/api/v1/checkins", headers=bearer(secret), json={
        "user_id": person.id, "days_used": 9, "extra": 1, "comment": "a\x00b", "barriers": ["nope"]})
    body = assert_error(schema_refused, 422, "invalid")
    assert {d["field"] for d in body["details"]} == {"days_used", "extra", "comment", "barriers.0"}


def test_only_employees_answer_checkins(client: Any, company: dict[str, Any], create_user: Callable[..., User]) -> None:
    executive = create_user(company["org"], roles=(Role.EXECUTIVE,))
    secret = make_token(company["org"], company["admin"], scopes=["checkins:write"])
    body = assert_error(client.post("/api/v1/checkins", headers=bearer(secret),
                                    json={"user_id": executive.id, "days_used": 1}), 422, "invalid")
    assert body["details"][0]["field"] == "user"


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", ""])
def test_malformed_json_is_a_clear_error(client: Any, company: dict[str, Any], data: str) -> None:
    secret = make_token(company["org"], company["admin"])
    response = client.post("/api/v1/checkins", headers=bearer(secret), data=data, content_type="application/json")
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code, "bad_request" if response.status_code == 400 else "invalid")


def test_cohorts_catalog_and_exercises_answer_pages(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    for url in ("/api/v1/cohorts", "/api/v1/catalog", "/api/v1/exercises"):
        page = client.get(url, headers=bearer(secret)).get_json()
        assert set(page) == {"items", "page", "per_page", "total", "pages"}


def test_errors_under_api_are_json_never_html(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    assert_error(client.get("/api/v1/nothing-here", headers=bearer(secret)), 404, "not_found")
    response = client.delete("/api/v1/users", headers=bearer(secret))
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert_error(client.get("/api/v1/users?x=%01", headers=bearer(secret)), 400, "bad_request")


def test_the_openapi_document_is_3_1_and_describes_every_operation(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert set(doc["paths"]) == {f"/api/v1{p}" for p in (
        "/adoption/summary", "/cohorts", "/users", "/catalog", "/exercises", "/checkins", "/usage-events",
        "/usage/weeks")}
    # 3.1 nullable: a list of types, not the 3.0 keyword
    share = doc["components"]["schemas"]["Group"]["properties"]["active"]
    assert share["type"] == ["number", "null"]


# --- rate limit -----------------------------------------------------------------------------------

def test_over_the_limit_answers_429_with_retry_after(make_app: Callable[..., Any], company: dict[str, Any]) -> None:
    app = make_app(LMS_API_RATE_LIMIT=3, LMS_API_RATE_WINDOW_SECONDS=3600)
    client = app.test_client()
    with app.app_context():
        secret = make_token(db.session.get(Organization, company["org"].id), db.session.get(User, company["admin"].id))
    statuses = [client.get("/api/v1/cohorts", headers=bearer(secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/cohorts", headers=bearer(secret))
    assert_error(response, 429, "rate_limited")
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def test_the_count_is_one_row_per_token_and_window_and_old_windows_go(app: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"])
    now = utcnow()
    service.admit(secret, window_seconds=60, now=now - timedelta(minutes=5))
    first = service.admit(secret, window_seconds=60, now=now)
    second = service.admit(secret, window_seconds=60, now=now)
    assert (first.requests, second.requests) == (1, 2)
    assert count(ApiRateWindow) == 1


def test_rule_messages_follow_accept_language_not_a_session(client: Any, company: dict[str, Any]) -> None:
    secret = make_token(company["org"], company["admin"], scopes=["checkins:write"])
    data = {"user_id": company["people"][0].id, "days_used": 1, "tools": ["NotOnTheList"]}
    japanese = client.post("/api/v1/checkins", headers=bearer(secret), json=data).get_json()
    english = client.post("/api/v1/checkins", headers={**bearer(secret), "Accept-Language": "en"}, json=data).get_json()
    assert english["details"] == [{"field": "tools", "message": "Choose tools from your company's list."}]
    assert japanese["details"][0]["message"] != english["details"][0]["message"]
