import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1] / "lms"


def test_pages_carry_a_strict_content_security_policy(client: Any) -> None:
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script_or_event_handlers() -> None:
    for path in ROOT.glob("**/templates/**/*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        if path.parent.name != "mail":  # mail clients need inline styles; pages have the stylesheet
            assert "style=" not in text, path


def test_no_asset_comes_from_another_site() -> None:
    for path in list(ROOT.glob("**/templates/**/*.html")) + list(ROOT.glob("static/**/*")):
        if path.is_file():
            assert not re.search(r"(src|href)=\"https?://", path.read_text(errors="ignore")), path
            assert "@import url(http" not in path.read_text(errors="ignore"), path


def test_every_post_form_carries_a_csrf_token() -> None:
    for path in ROOT.glob("**/templates/**/*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", path.read_text(), flags=re.S):
            assert "csrf_token" in form, f"{path.name}: {form[:80]}"


def test_errors_answer_json_to_json_clients(client: Any) -> None:
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json == {"error": "ページが見つかりません。"}


def test_static_assets_are_served_by_the_app(client: Any) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    response.close()
