"""Validation messages are the project's own (lms/forms.py), name the field and say what to fix; never a library default."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask import Flask
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField

from lms.forms import Form, choices, project_message
from tests.test_input_rule import _endpoint, _multi, _walk, world  # noqa: F401 - world is a fixture

LOCALE_DIR = Path(wtforms.__file__).parent / "locale"
# Flask-WTF's file validators ask the field the same way.
FLASK_WTF_DEFAULTS = ["File does not have an approved extension: {extensions}",
                      "File must be between {min_size} and {max_size} bytes."]


def _library_msgids() -> list[str]:
    with open(LOCALE_DIR / "wtforms.pot", "rb") as f:
        return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id]


def _library_texts() -> list[str]:
    """Every default message WTForms can show, in English and in its Japanese catalog, without placeholders."""
    texts = set(_library_msgids())
    with open(LOCALE_DIR / "ja" / "LC_MESSAGES" / "wtforms.po", "rb") as f:
        for m in read_po(f):
            for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
                if m.id and text:
                    texts.add(text)
    # Compare the fixed part before the first placeholder ("数値は 15 以上…" starts "数値は ").
    return sorted({re.split(r"%\(|%s|\{", t)[0].strip() for t in texts} - {""})


class _Sample(Form):
    class Meta:
        csrf = False

    name = StringField("研修クラス名")
    body = TextAreaField("本文")
    minutes = IntegerField("週の時間")
    start = DateField("開始日")
    day = SelectField("曜日", choices=choices([("1", "月")]))


@pytest.mark.parametrize("msgid", [*_library_msgids(), *FLASK_WTF_DEFAULTS])
def test_every_library_default_becomes_a_project_message_naming_the_field(app: Flask, msgid: str) -> None:
    with app.test_request_context("/"):
        form = _Sample()
        for field in form:
            message = project_message(field, msgid)
            filled = message % {"min": 15, "max": 480, "length": 500, "other_name": "x", "value": "v", "values": "a"} \
                if "%(" in msgid else message
            assert f"「{field.label.text}」" in filled, filled
            assert not any(text in filled for text in _library_texts()), filled


def test_a_literal_percent_in_a_label_survives_the_librarys_formatting(app: Flask) -> None:
    with app.test_request_context("/"):
        form = _Sample()
        form.name.label.text = "実現率（%）"
        message = project_message(form.name, "Field cannot be longer than %(max)d character.")
        assert message % {"max": 5, "min": -1, "length": 9} == "「実現率（%）」は5文字以内で入力してください（いまは9文字です）。"


def _malformed(kind: str) -> str:
    return {"number": "abc", "date": "2027-02-30", "time": "25:99", "email": "not-an-email",
            "select": "no-such-choice", "radio": "no-such-choice", "checkbox": "no-such-choice"}.get(kind, "x" * 5000)


def test_no_form_ever_shows_a_library_default_message(app: Flask, world: dict[str, Any]) -> None:  # noqa: F811
    library = _library_texts()
    seen: set[Any] = set()
    clients = [(app.test_client(), world["anonymous"])]
    for person in world["people"].values():
        client = app.test_client()
        client.login(person.email)
        clients.append((client, ["/", "/account", *world["more"]]))
    for client, start in clients:
        for page, form in _walk(app, client, start):
            endpoint = _endpoint(app, form.action, "POST")
            if endpoint in seen or not form.attackable:
                continue
            seen.add(endpoint)
            token = [(k, v) for k, v in form.values if k == "csrf_token"]
            empty = token + [(f.name, "") for f in form.attackable]
            malformed = token + [(f.name, _malformed(f.kind)) for f in form.attackable]
            for data in (empty, malformed):
                response = client.post(form.action, data=_multi(data), follow_redirects=True)
                html = response.get_data(as_text=True)
                shown = [text for text in library if text in html]
                assert not shown, f"{endpoint} on {page} shows library defaults {shown}"
    assert {"cohorts.new", "adoption.settings", "auth.login", "members.invite", "courses.edit_lesson"} <= seen


def test_the_cohort_form_says_what_to_fix_in_japanese(app: Flask, world: dict[str, Any]) -> None:  # noqa: F811
    client = app.test_client()
    client.login("admin@input.example")
    org_id = world["people"]["org_admin"].org_id
    html = client.submit(f"/o/{org_id}/cohorts/new", {"name": "", "start_date": "", "session_time": "",
                                                     "session_minutes": "5", "session_weekday": "2"}).get_data(as_text=True)
    assert "「コホート名」を入力してください。" in html
    assert "「開始日」を選んでください。" in html
    assert "「セッションの長さ（分）」は15〜480の範囲で入力してください。" in html


def test_big_bounds_are_shown_with_separators(app: Flask, world: dict[str, Any]) -> None:  # noqa: F811
    with app.test_request_context("/"):
        from lms.adoption.forms import SettingsForm

        form = SettingsForm(formdata=None)
        message = project_message(form.hourly_cost, "Number must be between %(min)s and %(max)s.")
        assert "10,000,000,000" in message % {"min": 0, "max": 10**10}


def test_every_form_of_the_app_inherits_the_base_form(app: Flask) -> None:
    import importlib
    import pkgutil

    import lms
    from flask_wtf import FlaskForm

    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(module.name)
    found, stack = [], list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("lms."):
            found.append(cls)
    assert len(found) >= 20
    assert [c.__qualname__ for c in found if not issubclass(c, Form)] == []
