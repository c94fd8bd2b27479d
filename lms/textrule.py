"""The one rule for characters no text in the app may contain.

Pure Python, no Flask: every form field (through :class:`lms.forms.Form`), the
course source parser (sync and the browser editor), the roster import and the
URL guard in :mod:`lms.web` all ask this module, so the same characters are
refused everywhere and nothing reaches either database that one of them would
store and the other reject (PostgreSQL refuses NUL outright).

Refused in all text:
  - C0 controls (U+0000-U+001F) except TAB, LF and CR; DEL (U+007F);
    C1 controls (U+0080-U+009F): invisible, and terminals, CSV readers and
    mail clients act on them (ESC starts an escape sequence, BEL rings);
  - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
    "Trojan Source" reordering makes text read differently from what it is;
  - the Unicode line and paragraph separators U+2028/U+2029, which some
    readers treat as line breaks and others do not;
  - lone surrogates (U+D800-U+DFFF, only reachable through escapes), which
    cannot be encoded as UTF-8, and the noncharacters U+FFFE/U+FFFF.
Refused in one-line text only: TAB, LF and CR (a name or an email address
never holds them, and a pasted line break would split exports and mail
headers). Multi-line text (text areas, course files) may hold all three.

Everything else is text: emoji with joiners, RTL scripts, zero-width joiners
and non-joiners, the BOM and U+2060 (handled where they matter) are accepted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ALWAYS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\ud800-\udfff\ufffe\uffff"
)
_MULTI_LINE_RE = re.compile(f"[{_ALWAYS}]")
_ONE_LINE_RE = re.compile(f"[{_ALWAYS}\t\n\r]")

_NAMES = {
    "\x00": "NUL", "\x07": "BEL", "\x08": "BS", "\t": "TAB", "\n": "LF", "\x0b": "VT", "\x0c": "FF",
    "\r": "CR", "\x1b": "ESC", "\x7f": "DEL", "\x85": "NEL",
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
    "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR",
}


@dataclass(frozen=True)
class Refused:
    """The first refused character of a text: where it is and what to call it."""

    char: str
    index: int  # position in the text
    line: int  # 1-based line of the text (lines split at LF)

    @property
    def line_break(self) -> bool:
        return self.char in "\n\r"

    @property
    def code(self) -> str:
        """How the character is shown to a person: U+0000 (NUL)."""
        point = f"U+{ord(self.char):04X}"
        name = _NAMES.get(self.char)
        return f"{point} ({name})" if name else point


def first_refused(text: str, *, multiline: bool) -> Refused | None:
    """The first character of `text` the rule refuses, or None when the text is acceptable."""
    match = (_MULTI_LINE_RE if multiline else _ONE_LINE_RE).search(text)
    if match is None:
        return None
    index = match.start()
    return Refused(match.group(), index, text.count("\n", 0, index) + 1)


def all_refused(text: str, *, multiline: bool) -> list[Refused]:
    """Every refused character of `text`, in order (for files: one report per line is enough)."""
    pattern = _MULTI_LINE_RE if multiline else _ONE_LINE_RE
    found: list[Refused] = []
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.append(Refused(match.group(), match.start(), line))
    return found


def is_acceptable(text: str, *, multiline: bool) -> bool:
    return first_refused(text, multiline=multiline) is None


def printable(text: str) -> str:
    """`text` with every refused character shown as U+FFFD, safe to echo into a page or a log."""
    return _ONE_LINE_RE.sub("\ufffd", text)
