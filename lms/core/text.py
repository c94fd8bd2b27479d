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

import functools
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


@functools.lru_cache(maxsize=8192)
def _fold_piece(piece: str) -> str:
    out = katakana_to_hiragana(nfkc(piece).casefold())
    return " " if out.isspace() else out


@functools.lru_cache(maxsize=8192)
def _attaches(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (a sound mark or a combining mark)."""
    return ch in _ATTACHING or unicodedata.category(ch).startswith("M")


def _pieces(text: str) -> list[tuple[int, str]]:
    """Split text into (start, piece): one base character with whatever attaches to it."""
    pieces: list[tuple[int, str]] = []
    for index, ch in enumerate(text):
        if pieces and _attaches(ch):
            start, piece = pieces[-1]
            pieces[-1] = (start, piece + ch)
        else:
            pieces.append((index, ch))
    return pieces


@functools.lru_cache(maxsize=4)
def _fold_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    # Cached: the rubric engine and the personal-data guard fold the same prompt one after the other.
    chars: list[str] = []
    origin: list[int] = []
    for start, piece in _pieces(text):
        folded = _fold_piece(piece)  # memoised: a text has few distinct characters
        if folded == " " and chars and chars[-1] == " ":
            continue
        for ch in folded:
            chars.append(ch)
            origin.append(start)
    return "".join(chars), tuple(origin)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The comparison key of `text` and, per key character, its index in `text`.

    Whitespace runs become one space; leading and trailing whitespace is kept
    as one space too, so the map stays simple (callers strip if they want).
    """
    key, origin = _fold_with_map(text)
    return key, list(origin)


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
