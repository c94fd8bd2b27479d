"""Every XSS corpus payload, rendered by render_markdown, loaded into real headless Chromium: none may run.

No CSP on the pages: this tests the sanitiser alone. Chromium runs in its own
thread because Playwright's sync API refuses to start while another sync
instance (tests/test_browser.py keeps one per session) is alive in this thread.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from lms.content.markdown import render_markdown
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_markdown_render import clip, load_payloads, payload_sources, rendered_corpus

pytestmark = pytest.mark.browser

T = TypeVar("T")

# Runs before any page script: the functions payloads call to prove execution just record.
TRAP = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function (...args) { window.__xss.push(name + "(" + args.map(String).join(", ") + ")"); };
}
"""
SETTLE_MS = 300
LOAD_TIMEOUT_MS = 120_000


@dataclass
class Outcome:
    """Evidence that script ran in a page."""

    calls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a payload that threw still ran
    navigated_to: str | None = None
    blocked: list[str] = field(default_factory=list)  # requests aborted; not evidence by itself

    def ran(self) -> bool:
        return bool(self.calls or self.dialogs or self.errors or self.navigated_to)

    def evidence(self) -> str:
        return f"calls={self.calls} dialogs={self.dialogs} errors={self.errors} navigated_to={self.navigated_to}"


def _document(fragments: list[str]) -> str:
    body = "\n".join(f'<section data-case="{index}">{fragment}</section>' for index, fragment in enumerate(fragments))
    return f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>xss</title></head><body>{body}</body></html>'


def _load(browser: Any, document: str) -> Outcome:
    """One fresh context and page, network cut off, the document loaded and given time to misbehave."""
    outcome = Outcome()
    context = browser.new_context()
    try:
        context.add_init_script(TRAP)

        def route(route: Any) -> None:
            url = route.request.url
            if url.startswith(("about:", "data:")):
                route.continue_()
            else:
                outcome.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()

        def on_dialog(dialog: Any) -> None:
            outcome.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: outcome.errors.append(str(error)))
        page.set_content(document, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_timeout(SETTLE_MS)
        outcome.calls = list(page.evaluate("window.__xss || ['trap missing']"))
        if page.url != "about:blank":
            outcome.navigated_to = page.url
    finally:
        context.close()
    return outcome


def _offenders(browser: Any, cases: list[tuple[str, str]], limit: int = 5) -> list[tuple[str, str, Outcome]]:
    """Bisect a failing batch down to (at most `limit`) single renders that run script.

    A batch can under-report (autofocus works once per document, one payload can
    swallow the next), so singles are what the failure message shows.
    """
    found: list[tuple[str, str, Outcome]] = []

    def bisect(part: list[tuple[str, str]]) -> None:
        if len(found) >= limit:
            return
        outcome = _load(browser, _document([rendered for _, rendered in part]))
        if not outcome.ran():
            return
        if len(part) == 1:
            found.append((part[0][0], part[0][1], outcome))
            return
        middle = len(part) // 2
        bisect(part[:middle])
        bisect(part[middle:])

    bisect(cases)
    return found


@pytest.fixture(scope="module")
def in_chromium() -> Iterator[Callable[[Callable[[Any], T]], T]]:
    """Runs a function with the Browser as argument on the Playwright thread."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does when run as root)")
    from playwright.sync_api import sync_playwright

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xss-chromium")
    state: dict[str, Any] = {}

    def start() -> None:
        state["playwright"] = sync_playwright().start()
        state["browser"] = state["playwright"].chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    def stop() -> None:
        if "browser" in state:
            state["browser"].close()
        if "playwright" in state:
            state["playwright"].stop()

    try:
        executor.submit(start).result()
        yield lambda function: executor.submit(function, state["browser"]).result()
    finally:
        executor.submit(stop).result()
        executor.shutdown()


def test_trap_catches_unsanitised_payload(in_chromium: Callable[[Callable[[Any], Outcome]], Outcome]) -> None:
    """Proves the harness can fail: the same payloads raw do run; rendered they do not."""
    raw = '<img src=x onerror=alert(1)><img src=x onerror="notDefined()"><p>tail</p>'
    outcome = in_chromium(lambda browser: _load(browser, _document([raw])))
    assert outcome.calls == ["alert(1)"], outcome.evidence()
    assert any("notDefined" in error for error in outcome.errors), outcome.evidence()
    rendered = in_chromium(lambda browser: _load(browser, _document([render_markdown(raw)])))
    assert not rendered.ran(), rendered.evidence()


def test_network_is_cut_off(in_chromium: Callable[[Callable[[Any], Outcome]], Outcome]) -> None:
    outcome = in_chromium(lambda browser: _load(browser, _document([render_markdown("![x](https://example.com/x.png)")])))
    assert outcome.blocked == ["https://example.com/x.png"]
    assert not outcome.ran(), outcome.evidence()


@pytest.mark.parametrize("source", payload_sources())
def test_rendered_corpus_does_not_run_in_chromium(
    source: str, in_chromium: Callable[[Callable[[Any], list[tuple[str, str, Outcome]]]], Any]
) -> None:
    load_payloads(source)  # fails clearly when the corpus is missing
    cases = list(rendered_corpus(source))

    def check(browser: Any) -> tuple[Outcome, list[tuple[str, str, Outcome]]]:
        batch = _load(browser, _document([rendered for _, rendered in cases]))
        return batch, (_offenders(browser, cases) if batch.ran() else [])

    batch, offenders = in_chromium(check)
    report = "\n\n".join(
        f"source: {clip(text)}\nrendered: {clip(rendered)}\n{outcome.evidence()}" for text, rendered, outcome in offenders
    )
    assert not batch.ran(), (
        f"payloads from {source} ran script in Chromium (first {len(offenders)} shown):\n{report}"
        if offenders
        else f"script ran only when {source}'s renders were combined: {batch.evidence()}"
    )
