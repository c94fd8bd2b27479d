"""The sanitising Markdown renderer: public XSS corpora, property tests, and the features authors rely on."""
from __future__ import annotations

import functools
import html
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content import markdown as markdown_module
from lms.content.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    content_hash,
    render_cached,
    render_markdown,
)

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
XSS_CORPUS = TESTDATA / "xss"
_MISSING = "<xss corpus missing>"

FORBIDDEN_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "base", "meta", "link"}
)
# Attributes a browser would fetch or navigate to.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "action", "formaction", "background", "poster", "data", "codebase",
     "cite", "dynsrc", "lowsrc", "xlink:href", "ping"}
)  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=]*")
# Whitespace and controls a browser (or a lenient one) may ignore inside a scheme.
URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
NOOPENER = "noopener noreferrer"


# --- the structural check ----------------------------------------------------------------


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS or tag in FORBIDDEN_TAGS:
            self.problems.append(f"end tag </{tag}> not allowed")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment survived: <!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration survived: <!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration survived: <![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction survived: <?{data}>")

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"forbidden tag <{tag}>")
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> not in ALLOWED_TAGS")
        allowed = ALLOWED_ATTRIBUTES.get(tag, [])
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name not in allowed:
                self.problems.append(f"attribute {name!r} not allowed on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                # html.parser already decoded once; decode again to catch double encoding.
                squeezed = URL_NOISE.sub("", html.unescape(value)).lower()
                if squeezed.startswith(DANGEROUS_SCHEMES) and not (
                    tag == "img" and name == "src" and SAFE_DATA_IMAGE.fullmatch(squeezed)
                ):
                    self.problems.append(f"dangerous URL {name}={value!r} on <{tag}>")
        if tag == "a" and dict(attrs).get("rel") != NOOPENER:
            self.problems.append(f"<a> without rel={NOOPENER!r}: {attrs!r}")


def assert_harmless(rendered: str, source: str = "") -> None:
    """Fail if the rendered HTML could run script or break out of the allow-list."""
    inspector = _Inspector()
    inspector.feed(rendered)
    inspector.close()
    assert not inspector.problems, (
        f"unsafe output: {inspector.problems[:10]}\nsource: {clip(source)}\noutput: {clip(rendered)}"
    )


def clip(text: str, limit: int = 800) -> str:
    """repr() short enough for a failure message (some payloads are whole files)."""
    shown = repr(text)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(text)} characters)"


# --- the public corpora --------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _corpus_dir() -> Path:
    if not XSS_CORPUS.is_dir():
        pytest.fail(
            f"XSS corpus {XSS_CORPUS} is missing: the checkout needs ../shared/testdata beside it",
            pytrace=False,
        )
    return XSS_CORPUS


def payload_sources() -> list[str]:
    """Corpus files, relative to the corpus folder; one test per file (not per line, for speed)."""
    if not XSS_CORPUS.is_dir():
        return [_MISSING]  # collected anyway so the run fails loudly instead of shrinking
    files = [
        path
        for path in XSS_CORPUS.rglob("*")
        if path.is_file()
        and (path.suffix in (".txt", ".md") or path.parent.name == "Files")
        and not path.name.upper().startswith("LICENSE")
    ]
    return sorted(path.relative_to(XSS_CORPUS).as_posix() for path in files)


def _lines(text: str) -> list[str]:
    # Not splitlines(): it also splits on \x0b, \x1c, \x85... which payloads contain on purpose.
    return [line.removesuffix("\r") for line in text.split("\n") if line.strip()]


def _markdown_payloads(text: str) -> list[str]:
    """The whole document, every fenced block, each line inside fences, and inline code spans."""
    payloads = [text]
    block: list[str] | None = None
    for line in text.split("\n"):
        if _FENCE.match(line):
            if block is None:
                block = []
            else:
                payloads.append("\n".join(block))
                payloads.extend(_lines("\n".join(block)))
                block = None
        elif block is not None:
            block.append(line.removesuffix("\r"))
        else:
            payloads.extend(_CODE_SPAN.findall(line))
    return payloads


def load_payloads(source: str) -> list[str]:
    path = _corpus_dir() / source
    if source == _MISSING or not path.is_file():
        pytest.fail(f"XSS corpus file {path} is missing", pytrace=False)
    text = path.read_text(encoding="utf-8")
    if path.parent.name == "Files":
        return [text]
    if path.suffix == ".md":
        return _markdown_payloads(text)
    return _lines(text)


def markdown_variants(payload: str) -> list[str]:
    """As prose, as raw HTML inside a paragraph, as a link target and as an image source."""
    return [payload, f"<p>{payload}</p>", f"[x]({payload})", f"![x]({payload})"]


@functools.cache
def rendered_corpus(source: str) -> tuple[tuple[str, str], ...]:
    """(Markdown source, rendered HTML) for every variant of every payload in one corpus file.

    Cached so the browser tests reuse these renders when run in the same session.
    """
    payloads = load_payloads(source)
    assert payloads, f"{source} yielded no payloads"
    texts = dict.fromkeys(text for payload in payloads for text in markdown_variants(payload))  # corpora repeat payloads
    return tuple((text, render_markdown(text)) for text in texts)


def test_corpus_is_complete() -> None:
    sources = payload_sources()
    assert _MISSING not in sources, f"XSS corpus {XSS_CORPUS} is missing"
    assert "payloadbox/xss-payload-list.txt" in sources
    assert any(source.startswith("payloadsallthethings/XSS Injection/Intruders/") for source in sources)
    assert any(source.startswith("payloadsallthethings/XSS Injection/Files/") for source in sources)
    assert any(source.startswith("owasp/") and source.endswith(".md") for source in sources)
    total = sum(len(load_payloads(source)) for source in sources)
    assert total > 9000, f"only {total} payloads: the corpus looks truncated"


@pytest.mark.parametrize("source", payload_sources())
def test_corpus_payloads_render_harmless(source: str) -> None:
    for text, rendered in rendered_corpus(source):
        assert_harmless(rendered, text)


# --- properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "<", ">", "</", "/>", "script", "img", "svg", "iframe", "a", "details", " ", "\t", "\n", "\n\n",
    "\x00", "\x01", "\x02", "\x03", "src=", "href=", "x", "javascript:", "JaVaScRiPt:", "java\tscript:",
    "vbscript:", "data:", "data:text/html,", "data:image/svg+xml;base64,", "data:image/png;base64,",
    "onerror=", "onload=", "ontoggle=", "style=", "alert(1)", "&#x6A;", "&#106;", "&#0000106", "&colon;",
    "&Tab;", "&", ";", "](", "![", "[", "]", "(", ")", "`", "```", "~~~", "'", '"', "=", "/", "\\",
    "!!! note", "[^1]", "[^1]:", "assets/", "../", "%2e%2e/", "|", "---", "#", "* ", "1. ", "> ",
    "<!--", "-->", "<![CDATA[", "]]>", "<?", "<!DOCTYPE", "wzxhzdk:0", "klzzwxh:0",
]  # fmt: skip
fragment_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=40).map("".join)
# No example database: it would write .hypothesis/ into the checkout.
property_settings = settings(max_examples=300, deadline=None, database=None)


@property_settings
@given(st.text())
def test_arbitrary_text_renders_harmless(text: str) -> None:
    rendered = render_markdown(text)
    assert_harmless(rendered, text)
    assert render_markdown(text) == rendered


@property_settings
@given(fragment_text)
def test_attack_fragments_render_harmless(text: str) -> None:
    rendered = render_markdown(text, asset_base="/c/ai-kiso/assets")
    assert_harmless(rendered, text)
    assert render_markdown(text, asset_base="/c/ai-kiso/assets") == rendered
    assert_harmless(render_markdown(text), text)


@property_settings
@given(fragment_text)
def test_attack_fragments_as_urls_render_harmless(url: str) -> None:
    for text in (f"[x]({url})", f"![x]({url})", f'<a href="{url}">x</a>', f"<img src='{url}'>"):
        assert_harmless(render_markdown(text, asset_base="/c/ai-kiso/assets"), text)


# --- obfuscation, explicitly ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java&#x09;script:alert(1)",
        "java&Tab;script:alert(1)",
        "&#x6A;avascript:alert(1)",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
        "&#0000106&#0000097vascript:alert(1)",
        "javascript&colon;alert(1)",
        "&#x01;javascript:alert(1)",
        "\x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
        "DATA:text/html,<script>alert(1)</script>",
    ],
)
def test_obfuscated_schemes_are_removed(url: str) -> None:
    for text in (f"[x]({url})", f"![x]({url})", f'<a href="{url}">x</a>', f'<img src="{url}">'):
        rendered = render_markdown(text)
        assert_harmless(rendered, text)
        assert "href=" not in rendered and "src=" not in rendered, rendered


def test_event_handlers_and_styles_are_removed() -> None:
    rendered = render_markdown('<p onclick="alert(1)" style="color:red">a</p><img src=x onerror=alert(1)>')
    assert_harmless(rendered)
    assert "onclick" not in rendered and "onerror" not in rendered and "style" not in rendered


def test_disallowed_tags_are_escaped_as_text() -> None:
    rendered = render_markdown("<script>alert(1)</script>\n\n<iframe src=//x></iframe>")
    assert "&lt;script&gt;" in rendered and "&lt;iframe" in rendered
    assert_harmless(rendered)


# --- features authors rely on --------------------------------------------------------------


def test_table() -> None:
    rendered = render_markdown("| 項目 | 値 |\n|:--|--:|\n| a | 1 |\n")
    assert "<table>" in rendered and '<th align="left">項目</th>' in rendered
    assert '<td align="right">1</td>' in rendered
    assert_harmless(rendered)


def test_fenced_code_keeps_language_class_and_escapes_content() -> None:
    rendered = render_markdown('```Python\nprint("<b>")\n```\n\n```c++\nx\n```\n')
    assert '<pre><code class="language-python">print(&quot;&lt;b&gt;&quot;)' in rendered
    assert '<code class="language-c++">' in rendered
    assert_harmless(rendered)


def test_fenced_code_language_cannot_inject() -> None:
    # Python-Markdown refuses these as fences, so they end up as inline code text.
    for text in ('```evil" onclick="x\nx\n```\n', "```js onclick=alert(1)\nx\n```\n", "```x<script>\nx\n```\n"):
        rendered = render_markdown(text)
        assert_harmless(rendered, text)
        assert " onclick=" not in rendered.replace("&quot;", '"').split("<code")[0], rendered


def test_footnotes_link_both_ways() -> None:
    rendered = render_markdown("本文[^1]\n\n[^1]: 注釈です。\n")
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in rendered
    assert '<li id="fn:1">' in rendered and 'class="footnote-backref" href="#fnref:1"' in rendered
    assert '<div class="footnote">' in rendered
    assert_harmless(rendered)


def test_admonition() -> None:
    rendered = render_markdown('!!! note "注意"\n    ここが大事です。\n')
    assert '<div class="admonition note">' in rendered
    assert '<p class="admonition-title">注意</p>' in rendered
    assert_harmless(rendered)


def test_unknown_class_tokens_are_dropped() -> None:
    rendered = render_markdown('!!! warning evil\n    x\n\n<div class="admonition js-hook note">y</div>')
    assert '<div class="admonition warning">' in rendered
    assert '<div class="admonition note">y</div>' in rendered
    assert "evil" not in rendered and "js-hook" not in rendered


def test_toc_ids_for_japanese_headings() -> None:
    rendered = render_markdown("# 機械学習の基礎\n\n## データの準備\n")
    assert '<h1 id="機械学習の基礎">機械学習の基礎</h1>' in rendered
    assert '<h2 id="データの準備">データの準備</h2>' in rendered


def test_japanese_text_is_intact() -> None:
    text = "生成AIは、業務の効率化に役立ちます。「プロンプト」を工夫しましょう！"
    assert render_markdown(text) == f"<p>{text}</p>"


def test_asset_links_are_rewritten() -> None:
    base = "/c/ai-kiso/assets"
    assert f'src="{base}/flow.png"' in render_markdown("![図](assets/flow.png)", asset_base=base)
    assert f'src="{base}/img/a.png"' in render_markdown("![a](../../assets/img/a.png)", asset_base=base)
    assert f'href="{base}/%E8%B3%87%E6%96%99.pdf"' in render_markdown("[資料](./assets/資料.pdf)", asset_base=base)
    raw = render_markdown('<img src="../assets/a b.png"> <a href="assets/x.pdf#p2">x</a>', asset_base=base)
    assert f'src="{base}/a%20b.png"' in raw and f'href="{base}/x.pdf#p2"' in raw
    # Without a base, relative targets are left alone.
    assert 'src="assets/flow.png"' in render_markdown("![図](assets/flow.png)")


@pytest.mark.parametrize(
    "target", ["assets/../../x.png", "assets/../x.png", "../assets/a/../../../x", "assets/%2e%2e/%2e%2e/x", "assets/.."]
)
def test_asset_dot_dot_escape_is_refused(target: str) -> None:
    for text in (f"![x]({target})", f'<img src="{target}">', f"[x]({target})", f'<a href="{target}">x</a>'):
        rendered = render_markdown(text, asset_base="/c/ai-kiso/assets")
        assert "src=" not in rendered and "href=" not in rendered, rendered


def test_asset_backslash_escape_is_refused() -> None:
    # Browsers read a backslash as "/" in http URLs. Raw HTML only: in Markdown link syntax "\." is an escape.
    rendered = render_markdown('<img src="assets/..\\..\\x.png">', asset_base="/c/ai-kiso/assets")
    assert "src=" not in rendered, rendered


def test_asset_dot_dot_inside_assets_is_normalised() -> None:
    rendered = render_markdown("![x](assets/img/../flow.png)", asset_base="/c/ai-kiso/assets")
    assert 'src="/c/ai-kiso/assets/flow.png"' in rendered


def test_relative_asset_base_is_rejected() -> None:
    with pytest.raises(ValueError):
        render_markdown("x", asset_base="assets")
    with pytest.raises(ValueError):
        render_markdown("x", asset_base="javascript:alert(1)//")


def test_links_get_noopener_and_lose_target() -> None:
    rendered = render_markdown('[a](https://example.com) <a href="/x" target="_blank" rel="opener">b</a>')
    assert rendered.count(f'rel="{NOOPENER}"') == 2
    assert "target" not in rendered and "opener" not in rendered.replace("noopener", "")
    assert_harmless(rendered)


def test_relative_fragment_and_mailto_links_stay() -> None:
    rendered = render_markdown("[a](#intro) [b](../lesson-2) [c](mailto:a@example.com) <b@example.com>")
    assert 'href="#intro"' in rendered and 'href="../lesson-2"' in rendered
    assert 'href="mailto:a@example.com"' in rendered
    assert html.unescape(rendered).count("mailto:") == 2
    assert_harmless(rendered)


PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_data_png_allowed_in_img_only() -> None:
    image = render_markdown(f"![dot]({PNG})")
    assert f'src="{PNG}"' in image
    link = render_markdown(f"[dot]({PNG})")
    assert "href=" not in link
    assert_harmless(image)
    assert_harmless(link)


def test_data_svg_refused() -> None:
    svg = "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
    for text in (f"![x]({svg})", f'<img src="{svg}">', "<img src=\"data:image/png,<svg onload=alert(1)>\">"):
        assert "src=" not in render_markdown(text), text


def test_output_is_stable() -> None:
    text = '# 題\n\n[a](https://x.test "t") <img src="assets/a.png" title="x" alt="y">\n\n- 1\n- 2\n'
    assert render_markdown(text, asset_base="/a") == render_markdown(text, asset_base="/a")


def test_content_hash_depends_on_text_and_base() -> None:
    assert content_hash("a") == content_hash("a")
    assert len(content_hash("a")) == 64
    assert content_hash("a") != content_hash("b")
    assert content_hash("a") != content_hash("a", "/c/x/assets")
    assert content_hash("a", None) != content_hash("a", "")
    content_hash("\ud800")  # lone surrogates must not raise


def test_render_cached_renders_each_content_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = markdown_module.render_markdown

    def counting(text: str, *, asset_base: str | None = None) -> str:
        calls.append(text)
        return real(text, asset_base=asset_base)

    monkeypatch.setattr(markdown_module, "render_markdown", counting)
    text = f"# cached {uuid.uuid4()}\n\n![x](assets/a.png)"  # unique: the cache is process-wide
    first = render_cached(text, asset_base="/c/k/assets")
    assert render_cached(text, asset_base="/c/k/assets") is first
    assert first == real(text, asset_base="/c/k/assets")
    assert calls == [text]
    render_cached(text)
    render_cached(text, asset_base=None)
    assert calls == [text, text], "a different asset_base is different content; None spelled twice is not"


def test_pathological_nesting_does_not_raise() -> None:
    rendered = render_markdown("- " * 2000 + "x")
    assert_harmless(rendered)


def test_allow_lists_are_what_we_document() -> None:
    assert ALLOWED_PROTOCOLS == {"http", "https", "mailto"}
    assert not FORBIDDEN_TAGS & ALLOWED_TAGS
    assert all(tag in ALLOWED_TAGS for tag in ALLOWED_ATTRIBUTES)
    assert not any(name == "style" or name.startswith("on") for names in ALLOWED_ATTRIBUTES.values() for name in names)
