"""A live server in a thread and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any, Iterator

from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


DB = "pg" if os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql") else "sqlite"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{DB}-{name}.png"), full_page=True)


def sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def open_menu(page: Any) -> None:
    """Phones keep the navigation behind メニュー; on a desktop it is always in view."""
    summary = page.get_by_text("メニュー", exact=True)
    if summary.is_visible():
        summary.click()


def sign_out(page: Any) -> None:
    open_menu(page)
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r".*/login$"))


# --- accessibility: axe-core, as bundled by the axe-playwright-python package (no network) ---

BLOCKING_IMPACTS = ("serious", "critical")


def accessible_context(browser: Any, **options: Any) -> Any:
    """A context axe can run in: the app's CSP (script-src 'self') refuses injected scripts, so bypass it here only."""
    return browser.new_context(bypass_csp=True, locale="ja-JP", **options)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now, each printed with its elements."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        print(f"axe {violation['impact']}: {violation['id']} on {page.url}: {targets}")
    return found


def assert_accessible(page: Any) -> None:
    """Fails on any serious or critical axe-core violation, naming the rule and the elements."""
    found = axe_violations(page)
    assert not found, "; ".join(
        f"{v['id']} ({v['impact']}): " + ", ".join(" ".join(n["target"]) for n in v["nodes"]) for v in found
    )
