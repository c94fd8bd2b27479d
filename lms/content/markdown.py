"""The one place where course Markdown becomes HTML.

Pipeline: Python-Markdown (raw HTML passes through, as authors expect) ->
bleach with an explicit allow-list -> an html5lib filter that applies the
value-level policy bleach cannot express (class tokens, data: images, asset
rewriting for raw HTML, rel on links). Everything that reaches a template
must come from here; nothing else in the app should mark Markdown as safe.

Disallowed tags are escaped into visible text rather than stripped: an author
who types `<script>` or `<iframe>` sees it on the page and learns it is not
supported, instead of content silently vanishing. Both are equally inert.
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import posixpath
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element

import bleach
import markdown
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:  # bleach's stub does not re-export the html5lib Filter it vendors
    from html5lib.filters.base import Filter
else:
    from bleach.html5lib_shim import Filter

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_PROTOCOLS",
    "ALLOWED_TAGS",
    "content_hash",
    "render_cached",
    "render_markdown",
]

# Bump whenever the policy or pipeline changes output, so stored hashes go stale.
RENDERER_VERSION = "1"

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
        "code", "pre", "kbd", "blockquote",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
        "a", "img", "div", "span", "figure", "figcaption", "details", "summary", "abbr",
    }
)  # fmt: skip

_HEADING_ATTRIBUTES = {f"h{level}": ["id"] for level in range(1, 7)}

ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    # rel is always overwritten; class only keeps the footnote link classes.
    "a": ["href", "title", "rel", "class"],
    "img": ["src", "alt", "title", "width", "height"],
    "th": ["colspan", "rowspan", "align"],
    "td": ["colspan", "rowspan", "align"],
    "ol": ["start"],
    **_HEADING_ATTRIBUTES,
    # class values are filtered per tag, see _CLASS_TOKENS.
    "div": ["class"],
    "p": ["class"],
    "code": ["class"],
    # Footnote anchors (fnref:1 / fn:1) need their ids for the links to work.
    "sup": ["id"],
    "li": ["id"],
    "abbr": ["title"],
}

ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})

_ADMONITION_CLASSES = frozenset(
    {"admonition", "admonition-title", "note", "warning", "tip", "important", "danger", "caution"}
)
_CLASS_TOKENS: dict[str, frozenset[str]] = {
    # "footnote" wraps the footnote list, "toc" is what the [TOC] marker emits.
    "div": _ADMONITION_CLASSES | {"footnote", "toc"},
    "p": _ADMONITION_CLASSES,
    "a": frozenset({"footnote-ref", "footnote-backref"}),
}
_CODE_CLASS = re.compile(r"language-[a-z0-9+-]+")

_URI_ATTRIBUTES = frozenset({"href", "src"})
# Inline images only, base64 only: SVG can carry script, so it is not listed.
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}", re.IGNORECASE)
# Characters browsers (or bleach) ignore or tolerate inside a scheme; squeezing them
# out before looking for "scheme:" errs towards seeing a scheme and refusing it.
_SCHEME_NOISE = re.compile(r"[`\x00-\x20\x7f-\xa0\s]+|[^\x00-\x7f]")
_SCHEME = re.compile(r"([^:/?#]*):")

_ASSET_PREFIXES = ("assets/", "./assets/", "../assets/", "../../assets/")
_PATH_AND_TAIL = re.compile(r"([^?#]*)(.*)", re.DOTALL)
_ASSET_BASE = re.compile(r"(?:https?://[^/\s\"'<>\\]+|/(?![/\\]))[^\s\"'<>\\]*", re.IGNORECASE)

# STX/ETX are Python-Markdown's placeholder delimiters: a forged placeholder in the
# input could splice stashed HTML elsewhere. Other C0 controls have no use in prose.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_EXTENSIONS = ["tables", "fenced_code", "footnotes", "admonition", "toc", "sane_lists"]
_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"slugify": slugify_unicode},
    # The default emits style="text-align: ..." which the sanitiser would drop.
    "tables": {"use_align_attribute": True},
}
# Runs after Python-Markdown's "unescape" (priority 0), so URLs are final.
_ASSET_TREEPROCESSOR_PRIORITY = -10


def _uri_allowed(tag: str, attribute: str, value: str) -> bool:
    """Whether a decoded href/src value may stay (value as the browser sees it)."""
    if tag == "img" and attribute == "src" and _DATA_IMAGE.fullmatch(value):
        return True
    squeezed = _SCHEME_NOISE.sub("", value).lower()
    match = _SCHEME.match(squeezed)
    if match is None:
        return True  # relative path, query or #fragment
    return match.group(1) in ALLOWED_PROTOCOLS


def _rewrite_asset(url: str, asset_base: str) -> str | None:
    """`assets/...` relative to the course -> under asset_base; None refuses the URL.

    Anything that is not an asset path is returned unchanged.
    """
    for prefix in _ASSET_PREFIXES:
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            break
    else:
        return url
    match = _PATH_AND_TAIL.fullmatch(rest)
    assert match is not None  # the pattern matches any string
    path, tail = match.groups()
    # Decode first so %2e%2e and backslashes (which browsers treat as "/") cannot hide "..".
    path = unquote(path).replace("\\", "/").lstrip("/")
    path = posixpath.normpath(path) if path else ""
    if path in ("", ".") or path == ".." or path.startswith("../"):
        return None
    safe_tail = quote(tail, safe="/?#&=+;,:@!$'()*%~")
    return f"{asset_base}/{quote(path, safe='/')}{safe_tail}"


def _check_asset_base(asset_base: str | None) -> str | None:
    if asset_base is None:
        return None
    if not _ASSET_BASE.fullmatch(asset_base):
        # A relative base would itself look like an asset path and be rewritten twice.
        raise ValueError(f"asset_base must be an absolute path or http(s) URL, got {asset_base!r}")
    return asset_base.rstrip("/")


class _AssetTreeprocessor(Treeprocessor):
    """Rewrites asset links produced by Markdown syntax (raw HTML is not in the tree)."""

    asset_base: str | None = None  # set per render

    def run(self, root: Element) -> None:
        if self.asset_base is None:
            return
        for element in root.iter():
            for attribute in _URI_ATTRIBUTES:
                value = element.get(attribute)
                if value is None:
                    continue
                rewritten = _rewrite_asset(value, self.asset_base)
                if rewritten is None:
                    del element.attrib[attribute]
                elif rewritten != value:
                    element.set(attribute, rewritten)


class _PolicyFilter(Filter):
    """Value-level policy on bleach's sanitised token stream.

    bleach leaves entities in attribute values as written, so values are decoded
    here before checking (as the browser will), and new values are re-encoded.
    """

    def __init__(self, source: Any, asset_base: str | None = None) -> None:
        super().__init__(source)
        self.asset_base = asset_base

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                token["data"] = self._attributes(token["name"], token.get("data") or {})
            yield token

    def _attributes(self, tag: str, attributes: dict[tuple[str | None, str], str]) -> dict[tuple[str | None, str], str]:
        allowed = ALLOWED_ATTRIBUTES.get(tag, [])
        kept: dict[tuple[str | None, str], str] = {}
        for (namespace, name), raw in attributes.items():
            if namespace is not None or name not in allowed or name == "rel":
                continue
            if name in _URI_ATTRIBUTES:
                value: str | None = html.unescape(raw)
                assert value is not None
                if self.asset_base is not None:
                    value = _rewrite_asset(value, self.asset_base)
                if value is None or not _uri_allowed(tag, name, value):
                    continue
                if value != html.unescape(raw):
                    raw = value.replace("&", "&amp;")
            elif name == "class":
                raw = _filter_classes(tag, html.unescape(raw))
                if not raw:
                    continue
            kept[(None, name)] = raw
        if tag == "a":
            # Replaces any author rel; there is no target attribute to pair it with.
            kept[(None, "rel")] = "noopener noreferrer"
        return kept


def _filter_classes(tag: str, value: str) -> str:
    tokens = value.split()
    if tag == "code":
        kept = [token.lower() for token in tokens if _CODE_CLASS.fullmatch(token.lower())]
    else:
        allowed = _CLASS_TOKENS.get(tag, frozenset())
        kept = [token for token in tokens if token in allowed]
    return " ".join(dict.fromkeys(kept))


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    """bleach's per-attribute gate; the data: check here is a first line before _PolicyFilter."""
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    if name in _URI_ATTRIBUTES:
        return _uri_allowed(tag, name, html.unescape(value))
    return True


class _Renderers(threading.local):
    """Per-thread Markdown and bleach instances: neither is thread safe, both are costly to build."""

    def __init__(self) -> None:
        self.markdown: markdown.Markdown | None = None
        self.assets = _AssetTreeprocessor()
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_attribute_allowed,
            # "data" only so bleach lets data:image through to _PolicyFilter, which
            # allows it on img src alone; other schemes are checked by both.
            protocols=ALLOWED_PROTOCOLS | {"data"},
            strip=False,
            strip_comments=True,
        )

    def get_markdown(self) -> markdown.Markdown:
        if self.markdown is None:
            md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
            self.assets.md = md
            md.treeprocessors.register(self.assets, "lms-assets", _ASSET_TREEPROCESSOR_PRIORITY)
            self.markdown = md
        return self.markdown


_renderers = _Renderers()


def _markdown_to_html(text: str, asset_base: str | None) -> str:
    md = _renderers.get_markdown()
    _renderers.assets.asset_base = asset_base
    try:
        return md.reset().convert(text)
    except RecursionError:
        _renderers.markdown = None  # may be left half-way through a parse
        # Pathological nesting (e.g. thousands of "- - - ..."): show the source as text.
        return f"<pre>{html.escape(text, quote=False)}</pre>"
    except BaseException:
        _renderers.markdown = None
        raise


def render_markdown(text: str, *, asset_base: str | None = None) -> str:
    """Markdown (with raw HTML) -> sanitised HTML safe to insert into a page.

    asset_base: where the course's `assets/` folder is served, e.g. "/c/ai-kiso/assets".
    """
    base = _check_asset_base(asset_base)
    text = _CONTROL_CHARACTERS.sub("", text)
    converted = _markdown_to_html(text, base)
    cleaner = _renderers.cleaner
    cleaner.filters = [functools.partial(_PolicyFilter, asset_base=base)]
    return str(cleaner.clean(converted))


def content_hash(text: str, asset_base: str | None = None) -> str:
    """sha256 hex of everything the rendered HTML depends on."""
    key = json.dumps(
        [RENDERER_VERSION, markdown.__version__, bleach.__version__, asset_base, text],
        ensure_ascii=True,  # lone surrogates must hash, not raise
    )
    return hashlib.sha256(key.encode("ascii")).hexdigest()


@functools.lru_cache(maxsize=2048)
def _render_cached(text: str, asset_base: str | None) -> str:
    return render_markdown(text, asset_base=asset_base)


def render_cached(text: str, *, asset_base: str | None = None) -> str:
    """render_markdown, memoised by content (text and asset_base)."""
    # Positional call so render_cached(t) and render_cached(t, asset_base=None) share an entry.
    return _render_cached(text, asset_base)
