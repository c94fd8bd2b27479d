"""Japanese text normalisation for search and matching.

`fold` turns text into a key for comparison: NFKC (full-width letters and
digits to ASCII, half-width katakana to full-width, compatibility characters
such as ㈱ spelt out), case folded, katakana folded to hiragana, and runs of
whitespace (including the ideographic space) collapsed to one ASCII space.

`fold_with_map` also returns, for every character of the key, the index of
the character in the original text it came from, so a match found in the key
can be shown as a span of what the person actually typed.
"""
from __future__ import annotations

import re
import unicodedata

# Characters that attach to the one before them and change under NFKC
# together with it: half-width (semi-)voiced sound marks and the combining
# ones, plus general combining marks (category M*).
_ATTACHING = frozenset("\uff9e\uff9f\u3099\u309a")
_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6  # ァ..ヶ
_TO_HIRAGANA = 0x60


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def katakana_to_hiragana(text: str) -> str:
    return "".join(
        chr(ord(ch) - _TO_HIRAGANA) if _KATAKANA_START <= ord(ch) <= _KATAKANA_END else ch for ch in text
    )


def _fold_piece(piece: str) -> str:
    out = katakana_to_hiragana(nfkc(piece).casefold())
    return " " if out.isspace() else out


def _pieces(text: str) -> list[tuple[int, str]]:
    """Split text into (start, piece): one base character with whatever attaches to it."""
    pieces: list[tuple[int, str]] = []
    for index, ch in enumerate(text):
        if pieces and (ch in _ATTACHING or unicodedata.category(ch).startswith("M")):
            start, piece = pieces[-1]
            pieces[-1] = (start, piece + ch)
        else:
            pieces.append((index, ch))
    return pieces


def _fold_with_map_reference(text: str) -> tuple[str, list[int]]:
    """fold_with_map one piece at a time: the definition the fast path must equal (tests compare them)."""
    chars: list[str] = []
    origin: list[int] = []
    for start, piece in _pieces(text):
        folded = _fold_piece(piece)
        if folded == " " and chars and chars[-1] == " ":
            continue
        for ch in folded:
            chars.append(ch)
            origin.append(start)
    return "".join(chars), origin


def _attaches(ch: str) -> bool:
    return ch in _ATTACHING or unicodedata.category(ch).startswith("M")


def _char_class(codes: list[int]) -> str:
    """A regex character class body for these code points, as ranges."""
    codes = sorted(codes)
    ranges = []
    start = previous = codes[0]
    for code in [*codes[1:], -1]:
        if code != previous + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(previous)) if previous > start else ""))
            start = code
        previous = code
    return "".join(ranges)


def _simple_characters() -> tuple[re.Pattern[str], re.Pattern[str], dict[int, str]]:
    """Patterns for characters that are NOT simple and simple ones that change, and what those fold to.

    Simple: folds alone to exactly one character and attaches to nothing, or is
    plain whitespace (folds to one space). Taken from the blocks Japanese
    business text is made of (ASCII, kana, CJK punctuation, full-width forms,
    unified ideographs) by asking `_fold_piece` itself, so the fast path cannot
    disagree with the definition.
    """
    simple: list[int] = []
    table: dict[int, str] = {}
    for code in [*map(ord, " \t\n\r\u3000"), *range(0x21, 0x7F), *range(0x3001, 0x3100), *range(0xFF01, 0xFFA0)]:
        ch = chr(code)
        folded = _fold_piece(ch)
        if not _attaches(ch) and len(folded) == 1:
            simple.append(code)
            if folded != ch:
                table[code] = folded
    ideographs = "".join(map(chr, range(0x4E00, 0xA000)))
    if _fold_piece(ideographs) == ideographs:  # one call instead of 20,992: each folds to itself
        simple.extend(range(0x4E00, 0xA000))
    return re.compile(f"[^{_char_class(simple)}]+"), re.compile(f"[{_char_class(list(table))}]+"), table


_NOT_SIMPLE, _CHANGING, _SIMPLE_TABLE = _simple_characters()
_SPACE_RUN = re.compile(" {2,}")


def _translate(match: re.Match[str]) -> str:
    return match.group().translate(_SIMPLE_TABLE)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The comparison key of `text` and, per key character, its index in `text`.

    Whitespace runs become one space; leading and trailing whitespace is kept
    as one space too, so the map stays simple (callers strip if they want).
    Stretches of simple characters (see `_simple_characters`) are folded in
    bulk, a 4,000-character prompt in well under a millisecond; the rest goes
    piece by piece exactly as `_fold_with_map_reference` defines.
    """
    parts: list[str] = []
    origin: list[int] = []
    last = ""

    def bulk(start: int, stop: int) -> None:
        nonlocal last
        key = _CHANGING.sub(_translate, text[start:stop])
        if last == " " and key.startswith(" "):
            lead = len(key) - len(key.lstrip(" "))
            key, start = key[lead:], start + lead
        if not key:
            return
        done = 0
        for run in _SPACE_RUN.finditer(key):
            origin.extend(range(start + done, start + run.start() + 1))
            done = run.end()
        origin.extend(range(start + done, start + len(key)))
        key = _SPACE_RUN.sub(" ", key)
        parts.append(key)
        last = key[-1]

    def by_piece(start: int, stop: int) -> None:
        nonlocal last
        for offset, piece in _pieces(text[start:stop]):
            folded = _fold_piece(piece)
            if folded == " " and last == " ":
                continue
            parts.append(folded)
            origin.extend([start + offset] * len(folded))
            last = folded[-1:] or last

    done = 0
    for other in _NOT_SIMPLE.finditer(text):
        start, stop = other.span()
        if start > done and _attaches(text[start]):
            start -= 1  # the mark belongs to the character before it: fold them together
        if start > done:
            bulk(done, start)
        by_piece(max(start, done), stop)
        done = stop
    if done < len(text):
        bulk(done, len(text))
    return "".join(parts), origin


def fold(text: str) -> str:
    """The comparison key of `text` (see the module docstring), stripped."""
    return fold_with_map(text)[0].strip()


def original_span(origin: list[int], text: str, start: int, end: int) -> tuple[int, int]:
    """Map a [start, end) span of a key made by `fold_with_map` back onto `text`."""
    if start >= end or not origin:
        return start, start
    first = origin[start]
    last = origin[end - 1]
    # Extend to the end of the original piece the last key character came from.
    stop = last + 1
    while stop < len(text) and (text[stop] in _ATTACHING or unicodedata.category(text[stop]).startswith("M")):
        stop += 1
    return first, stop


def squash_spaces(text: str) -> str:
    """Collapse every whitespace run (ideographic space included) to one ASCII space and strip."""
    return " ".join(text.split())
