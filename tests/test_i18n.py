import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from lms.accounts.models import User
from lms.extensions import db

TRANSLATIONS = Path(__file__).resolve().parents[1] / "lms" / "translations"
TEMPLATES = sorted(Path(__file__).resolve().parents[1].glob("lms/**/templates/**/*.html"))


def test_japanese_is_the_default(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in page and "ログイン" in page


def test_a_visitor_can_switch_to_english(client: Any) -> None:
    response = client.submit("/language", {"locale": "en", "next": "/login"}, page="/login")
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "ログイン" not in page


def test_the_choice_is_kept_on_the_account(client: Any, create_org: Any, create_user: Any) -> None:
    user = create_user(create_org(), email="en@example.jp")
    client.login("en@example.jp")
    client.submit("/language", {"locale": "en"}, page="/account")
    assert db.session.get(User, user.id).locale == "en"
    client.logout()
    client.login("en@example.jp")
    assert "My learning" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_an_unknown_language_is_refused(client: Any) -> None:
    assert client.submit("/language", {"locale": "fr"}, page="/login").status_code == 400


def test_every_ui_string_has_a_japanese_translation() -> None:
    with (TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = read_po(f)
    missing = [m.id for m in template if m.id and (m.id not in catalog or not catalog[m.id].string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_templates_have_no_untranslated_text_between_tags() -> None:
    # Text nodes must come from _() or data; letters outside {{ }} / {% %} are hard-coded UI strings.
    offenders = []
    for path in TEMPLATES:
        source = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", "", path.read_text(), flags=re.S)
        for text in re.findall(r">([^<>]+)<", source):
            if re.search(r"[A-Za-z\u3040-\u30ff\u4e00-\u9fff]", text):
                offenders.append(f"{path.name}: {text.strip()}")
    assert offenders == []
