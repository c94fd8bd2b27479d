"""One input rule for all text (lms/textrule.py): every form field of every form, the URL and the error page.

The forms are found, not listed: every role's pages are walked from its home
through the links it is shown, and every POST form on them is submitted with
each hostile value in each field in turn. A new form is covered as soon as a
page links to it.
"""
from __future__ import annotations

import json
from collections import deque
from datetime import time, timedelta
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.exceptions import NotFound, MethodNotAllowed

from lms import textrule
from lms.accounts import service as account_service
from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.cohorts import service as cohort_service
from lms.extensions import db
from lms.orgs.models import Department
from lms.core import clock
from tests.conftest import shared_path
from tests.htmlforms import PageForm, error_texts, links, post_forms
from tests.test_isolation import fingerprint

HOSTILE = {
    "NUL": "\x00",
    "RLO": "\u202e",
    "BEL": "\x07",
    "ESC": "\x1b",
    "LINE SEPARATOR": "\u2028",
    "CR/LF": "\r\n",  # refused in one-line fields only
}
NAUGHTY = json.loads(shared_path("naughty-strings", "blns.json").read_text(encoding="utf-8"))

# Forms whose fields are read without a form class (the quiz's answers are option numbers): a refused value
# must still never answer 5xx nor be stored, but there is no field error to name.
UNNAMED_FIELDS = {"learn.quiz"}
# GET pages not worth walking into (downloads and feeds have no forms).
SKIP_PAGES = ("/export", ".csv", ".xlsx", ".zip", ".ics", "/assets/", "/static/")


# --- the rule itself (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize("char", [*"\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9f", *"\u202a\u202b\u202c\u202d\u202e",
                                  *"\u2066\u2067\u2068\u2069\u2028\u2029\ufffe\uffff", "\ud800"])
def test_the_rule_refuses_controls_bidi_overrides_and_separators_everywhere(char: str) -> None:
    for multiline in (False, True):
        found = textrule.first_refused(f"山田{char}太郎", multiline=multiline)
        assert found is not None and found.char == char and found.index == 2


def test_line_breaks_and_tabs_are_text_only_in_multi_line_fields() -> None:
    for char in "\r\n\t":
        assert textrule.first_refused(f"a{char}b", multiline=False) is not None
        assert textrule.first_refused(f"a{char}b", multiline=True) is None


def test_the_rule_reports_the_line_and_a_readable_code() -> None:
    found = textrule.first_refused("一行目\n二行目\n三\x00行目", multiline=True)
    assert found is not None and found.line == 3 and found.code == "U+0000 (NUL)"
    assert [r.line for r in textrule.all_refused("\x07\n\n\x1b\u202e", multiline=True)] == [1, 3, 3]


def test_naughty_strings_that_are_text_pass_the_rule() -> None:
    refused = [s for s in NAUGHTY if not textrule.is_acceptable(s, multiline=True)]
    accepted = [s for s in NAUGHTY if textrule.is_acceptable(s, multiline=True)]
    # Only the strings built from control, bidi-override and separator characters are refused.
    assert 10 <= len(refused) <= 20 and len(accepted) > 480
    for text in ("👨‍👩‍👦", "జ్ఞ‌ా", "(ﾉಥ益ಥ）ﾉ\ufeff ┻━┻", "مرحبا", "<script>alert(1)</script>", "田中\u3000太郎"):
        assert textrule.is_acceptable(text, multiline=False)


# --- every form of the app ----------------------------------------------------------------------


@pytest.fixture
def world(app: Flask, create_org: Any, create_user: Any, sync_course: Any) -> dict[str, Any]:
    org = create_org(name="株式会社入力")
    course = sync_course(slug="kiso")
    db.session.add(Department(org_id=org.id, name="総務部"))
    employee = create_user(org, roles=(Role.EMPLOYEE,), email="emp@input.example")
    invited = create_user(org, roles=(Role.EMPLOYEE,), email="new@input.example", password=None)
    people = {
        "employee": employee,
        "executive": create_user(org, roles=(Role.EXECUTIVE,), email="exec@input.example"),
        "org_admin": create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@input.example"),
        "trainer": create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example"),
        "platform_admin": create_user(None, roles=(Role.ADMIN,), email="root@provider.example"),
    }
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=people["trainer"].id))
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=clock.today(),
        session_weekday=2, session_time=time(10), member_ids=[employee.id],
        trainer_ids=[people["trainer"].id],
    ))
    db.session.flush()
    cohort.start_date -= timedelta(days=14)  # under way, with the employee behind: the reminder form shows
    reset = account_service.issue_token(employee, account_service.RESET, timedelta(hours=1))
    invite = account_service.issue_token(invited, account_service.INVITE, timedelta(days=1))
    db.session.commit()
    more = [f"/o/{org.id}/learn/kiso/hajimeni/test", f"/o/{org.id}/cohorts/{cohort.id}/nudge"]
    return {"people": people, "more": more, "anonymous": ["/login", "/password/forgot", f"/password/reset/{reset}", f"/invite/{invite}"]}


def _endpoint(app: Flask, path: str, method: str = "GET") -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(path).path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def _walk(app: Flask, client: Any, start: list[str], limit: int = 80) -> Iterator[tuple[str, PageForm]]:
    """(page, form) for every POST form on the pages reachable from `start`, one page per endpoint."""
    queue, seen_endpoints = deque(start), set()
    while queue and len(seen_endpoints) < limit:
        url = queue.popleft()
        endpoint = _endpoint(app, url)
        if endpoint is None or endpoint in seen_endpoints or any(s in url for s in SKIP_PAGES):
            continue
        seen_endpoints.add(endpoint)
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        for form in post_forms(html, urlsplit(url).path):
            yield url, form
        queue.extend(links(html))


def _hostile_value(field_kind: str, options: list[str], current: str, char: str) -> str:
    if field_kind == "email":
        return f"yamada{char}@example.jp"
    if field_kind in ("select", "radio", "checkbox"):
        return (options[0] if options else "1") + char
    return (current or "テスト") + char + "値"


def _attack(client: Any, app: Flask, page: str, form: PageForm, seen: set[Any]) -> int:
    """Send each hostile value in each field of `form`; returns the number of submissions."""
    endpoint = _endpoint(app, form.action, "POST")
    key = (endpoint, tuple(sorted(form.fields)))
    if endpoint is None or key in seen:
        return 0
    seen.add(key)
    sent = 0
    for target in form.attackable:
        for name, char in HOSTILE.items():
            if name == "CR/LF" and target.kind == "textarea":
                continue  # line breaks are text in a text area
            current = next((v for k, v in form.values if k == target.name), "")
            data = [(k, v) for k, v in form.values if k != target.name]
            data.append((target.name, _hostile_value(target.kind, target.options, current, char)))
            before = fingerprint()
            response = client.post(form.action, data=_multi(data))
            sent += 1
            where = f"{name} in {target.name!r} ({target.kind}) of the form {endpoint} on {page}"
            assert response.status_code < 500, f"{where} answered {response.status_code}"
            assert fingerprint() == before or endpoint in UNNAMED_FIELDS, f"{where} changed stored data"
            assert not _stored(char), f"{where} was stored"
            if target.kind == "hidden":  # not typed by anyone: dropped or refused, never passed on
                assert char not in unquote(response.headers.get("Location", "")), f"{where} was passed on"
            elif response.status_code < 400 and endpoint not in UNNAMED_FIELDS:
                if response.status_code in (302, 303):  # refused, said on the page it goes back to
                    response = client.get(response.headers["Location"])
                errors = error_texts(response.get_data(as_text=True))
                assert target.label and any(target.label in e for e in errors), (
                    f"{where} answered {response.status_code} without an error naming “{target.label}”: {errors}"
                )
    return sent


def _multi(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def _stored(char: str) -> bool:
    """Whether any text column of any table holds `char` (read back in Python: LIKE cannot look for NUL)."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))]
        if columns:
            for row in db.session.execute(sa.select(*columns)):
                if any(isinstance(v, str) and char in v for v in row):
                    return True
    return False


def test_every_form_field_refuses_control_characters_naming_the_field(app: Flask, world: dict[str, Any]) -> None:
    seen: set[Any] = set()
    sent = 0
    anonymous = app.test_client()
    for page, form in _walk(app, anonymous, world["anonymous"]):
        sent += _attack(anonymous, app, page, form, seen)
    for person in world["people"].values():
        client = app.test_client()
        client.login(person.email)
        for page, form in _walk(app, client, ["/", "/account", *world["more"]]):
            sent += _attack(client, app, page, form, seen)
    endpoints = {endpoint for endpoint, _ in seen}
    # The walk must reach the forms the issue names; a broken walk must not pass by testing nothing.
    for expected in ("auth.login", "auth.forgot_password", "auth.reset_password", "auth.accept_invitation",
                     "auth.account", "members.invite", "members.edit", "members.departments", "cohorts.new",
                     "adoption_checkin.form", "adoption.settings", "courses.edit_lesson", "admin.new_org",
                     "admin.staff", "cohorts.nudge", "learn.quiz"):
        assert expected in endpoints, f"the walk did not reach {expected}; it found {sorted(endpoints)}"
    assert sent > 200


# --- URLs and the error page --------------------------------------------------------------------


@pytest.mark.parametrize("char", ["%00", "%07", "%1B", "%E2%80%AE", "%E2%80%A8", "%0D%0A"])
def test_a_control_character_in_a_url_is_a_4xx_never_a_5xx(app: Flask, world: dict[str, Any], char: str) -> None:
    client = app.test_client()
    client.login("emp@input.example")
    org_id = world["people"]["employee"].org_id
    for url in (f"/o/{org_id}/learn/kiso/hajimeni/towa{char}", f"/o/{org_id}/learn/kiso{char}/",
                f"/login?next=/{char}", f"/o/{org_id}/members/?q=a{char}b", f"/password/reset/abc{char}def"):
        response = client.get(url)
        assert 400 <= response.status_code < 500, f"{url} answered {response.status_code}"


def test_a_failed_statement_still_gets_the_error_page(make_app: Any) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test/broken")
    def broken() -> str:
        db.session.execute(sa.text("SELECT * FROM no_such_table"))  # PostgreSQL: the transaction is now aborted
        return "unreachable"

    with app.app_context():
        user = User(email="someone@input.example", display_name="山田 花子")
        user.set_password("correct horse battery staple")
        user.set_roles({Role.EMPLOYEE})
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    client.login("someone@input.example", "correct horse battery staple")
    response = client.get("/_test/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    # The site's own page, menu and all (which reads the signed-in person again), not a bare one.
    assert "<h1>" in html and 'action="/logout"' in html


def test_when_the_error_page_itself_fails_a_plain_answer_is_sent(make_app: Any, monkeypatch: Any) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_test/broken")
    def broken() -> str:
        raise RuntimeError("boom")

    def failing_render(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the error template failed too")

    monkeypatch.setattr("lms.web.render_template", failing_render)
    response = app.test_client().get("/_test/broken")
    assert response.status_code == 500 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("500 ")


# --- stored as typed: legitimate text ------------------------------------------------------------


def test_naughty_strings_that_are_text_are_stored_exactly(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    client.login("emp@input.example")
    user_id = world["people"]["employee"].id
    samples = [s for s in NAUGHTY if s.strip() and len(s.strip()) <= 100 and textrule.is_acceptable(s, multiline=False)]
    for text in samples[::7]:
        response = client.submit("/account", {"display_name": text, "furigana": "", "locale": "ja"})
        assert response.status_code in (200, 302), repr(text)
        stored = db.session.get(User, user_id).display_name
        assert stored == text.strip() or stored == text, f"{text!r} was stored as {stored!r}"


def test_naughty_department_names_are_stored_exactly_or_refused_by_name(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    client.login("admin@input.example")
    url = f"/o/{world['people']['org_admin'].org_id}/members/departments"
    for text in NAUGHTY[3::11]:
        response = client.submit(url, {"name": text})
        assert response.status_code < 500, repr(text)
        stored = set(db.session.scalars(sa.select(Department.name)))
        acceptable = text.strip() and len(text.strip()) <= 100 and textrule.is_acceptable(text, multiline=False)
        if acceptable:
            assert text in stored or text.strip() in stored, f"{text!r} was not stored as typed"
        else:
            assert text not in stored, f"{text!r} was stored"


@pytest.mark.parametrize("value", ["²", "1\x00", "٣", "-1", "99999999999999999999"])
def test_odd_quiz_answers_never_answer_5xx(app: Flask, world: dict[str, Any], value: str) -> None:
    client = app.test_client()
    client.login("emp@input.example")
    lesson = f"/o/{world['people']['employee'].org_id}/learn/kiso/hajimeni/test"
    response = client.submit(f"{lesson}/quiz", {"q0": value, "q1": "0"}, page=lesson)
    assert response.status_code < 500


@pytest.mark.parametrize("args", [["boss\x1b@example.jp"], ["boss@example.jp", "--name", "管理\u202e者"]])
def test_create_admin_refuses_control_characters(app: Flask, args: list[str]) -> None:
    result = app.test_cli_runner().invoke(args=["create-admin", *args], input="correct horse battery staple\n")
    assert result.exit_code != 0 and "which no text may hold" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
