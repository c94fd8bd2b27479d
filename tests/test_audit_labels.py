"""The audit log and the sent-mail pages speak words, not codes."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Callable

import pytest
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.actions import LABELS, action_label
from lms.audit.service import record
from lms.courses.models import LessonRevision
from lms.extensions import db
from lms.mail.models import EmailMessage

LMS = Path(__file__).resolve().parents[1] / "lms"

# Codes built at run time, with every value they can take.
BUILT_CODES = {
    "lesson.{origin}": {f"lesson.{origin}" for origin in (LessonRevision.BROWSER, LessonRevision.RESTORE)},
}


def recorded_codes() -> set[str]:
    """Every action code passed to `record(...)` anywhere in lms/, read from the source."""
    codes: set[str] = set()
    for path in LMS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record"):
                continue
            code = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "action")
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                codes.add(code.value)
            elif isinstance(code, ast.JoinedStr):
                shape = "".join(
                    part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
                    for part in code.values
                )
                assert shape in BUILT_CODES, f"{path}: record({shape!r}): list its values in BUILT_CODES"
                codes |= BUILT_CODES[shape]
            else:
                pytest.fail(f"{path}:{node.lineno}: record() with a code the test cannot read; use a literal")
    return codes


def test_the_source_scan_finds_the_codes_it_should() -> None:
    codes = recorded_codes()
    assert {"login.success", "invite.sent", "adoption.settings", "calendar.new_url", "cohort.nudge"} <= codes
    assert {"lesson.browser", "lesson.restore", "logout.others"} <= codes


def test_every_recorded_action_has_a_label_and_every_label_a_use() -> None:
    codes = recorded_codes()
    assert sorted(codes - LABELS.keys()) == [], "recorded without a label in lms/audit/actions.py"
    assert sorted(LABELS.keys() - codes) == [], "labels for codes nothing records"


def test_every_label_is_translated_into_japanese(app: Flask) -> None:
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ja"):
        untranslated = [code for code, label in LABELS.items() if str(label) == label._args[0]]
    assert untranslated == []


def test_an_unknown_code_is_shown_as_it_is(app: Flask) -> None:
    with app.test_request_context():
        assert action_label("some.future_code") == "some.future_code"


@pytest.fixture
def admin_client(app: Flask, create_user: Callable[..., User]) -> Any:
    create_user(roles=(Role.ADMIN,), email="admin@example.jp")
    client = app.test_client()
    assert client.login("admin@example.jp").status_code == 302
    return client


def test_the_audit_log_shows_japanese_labels_not_codes(app: Flask, admin_client: Any, create_org: Any) -> None:
    org = create_org()
    record("calendar.new_url", actor=None, subject="hanako@example.jp")
    record("adoption.settings", actor=None, org_id=org.id, subject=org.name)
    db.session.commit()
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    for label in ("ログイン", "カレンダーURLを発行", "AI活用の設定を変更"):
        assert label in html
    assert ">login.success<" not in html and ">calendar.new_url<" not in html and "<code>" not in html


def test_the_audit_log_speaks_english_to_an_english_reader(app: Flask, admin_client: Any) -> None:
    admin_client.submit("/language", {"locale": "en"}, page="/account")
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Signed in" in html


def test_the_sent_mail_pages_show_the_status_in_words(app: Flask, admin_client: Any) -> None:
    message = EmailMessage(
        to_address="hanako@example.jp", subject="テスト", body_text="本文", kind="test", status=EmailMessage.OUTBOX
    )
    db.session.add(message)
    db.session.commit()
    outbox = admin_client.get("/admin/mail").get_data(as_text=True)
    assert "保管中（メールサーバー未設定）" in outbox
    assert ">outbox<" not in outbox
    detail = admin_client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    assert "保管中（メールサーバー未設定）" in detail


def test_every_mail_status_has_a_japanese_label(app: Flask) -> None:
    from flask_babel import force_locale

    statuses = {v for k, v in vars(EmailMessage).items() if k.isupper() and isinstance(v, str)}
    assert statuses == set(EmailMessage.STATUS_LABELS)
    with app.test_request_context(), force_locale("ja"):
        assert all(str(label) != label._args[0] for label in EmailMessage.STATUS_LABELS.values())
