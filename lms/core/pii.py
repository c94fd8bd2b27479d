"""PLACEHOLDER personal-data guard: replaced by the real guard (issue 12 item 3) at merge.

Only the API is final:

    scan(text, secrets=()) -> list[Finding]
    Finding(kind, start, end, text, label="")

with kinds "secret", "person_name", "phone", "my_number", "corporate_number",
"email", "postal_address", "credit_card", "bank_account"; spans index the text
as given. This stand-in finds only the exercise's planted secrets (folded exact
match, see lms.core.text), phone numbers by a simple pattern and e-mail
addresses, so the rubric engine and its tests can be written against the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from lms.core.text import fold, fold_with_map, original_span

KINDS = (
    "secret", "person_name", "phone", "my_number", "corporate_number",
    "email", "postal_address", "credit_card", "bank_account",
)

# Matched on folded text: full-width digits and hyphens are already ASCII there; the minus sign,
# dashes and the long-vowel mark people type between digits are not, so they are listed.
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"
_PHONE_RE = re.compile(rf"(?<![\d{_DASH}])0\d{{1,4}}[{_DASH}(]?\d{{1,4}}[{_DASH})]?\d{{3,4}}(?![\d{_DASH}])")
_EMAIL_RE = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")  # starts only at a run's start: linear


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    label: str = ""


def scan(text: str, secrets: Sequence[tuple[str, str]] = ()) -> list[Finding]:
    """Personal data and planted secrets in `text`, in order of position."""
    folded, origin = fold_with_map(text)
    found: list[Finding] = []

    def add(kind: str, start: int, end: int, label: str = "") -> None:
        first, stop = original_span(origin, text, start, end)
        found.append(Finding(kind, first, stop, text[first:stop], label))

    for secret, label in secrets:
        needle = fold(secret)
        if not needle:
            continue
        at = folded.find(needle)
        while at != -1:
            add("secret", at, at + len(needle), label)
            at = folded.find(needle, at + len(needle))
    for kind, pattern in (("phone", _PHONE_RE), ("email", _EMAIL_RE)):
        for match in pattern.finditer(folded):
            add(kind, match.start(), match.end())
    return sorted(found, key=lambda f: (f.start, f.end))
