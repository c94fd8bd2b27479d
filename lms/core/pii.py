"""PLACEHOLDER for the personal-data guard (issue 12 item 3), which another branch delivers with this API.

Only what lms.llm needs to call it is here: `scan(text, secrets=()) -> list[Finding]`,
finding e-mail addresses, phone-like digit runs and the caller's own secrets.
When the real guard is merged, this whole file is replaced by it; do not build on
anything here beyond `scan` and `Finding.kind/start/end`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from lms.core.text import nfkc

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)0\d{1,4}[-(]?\d{1,4}[-)]?\d{3,4}(?!\d)")


@dataclass(frozen=True)
class Finding:
    kind: str  # "email", "phone", "secret"
    start: int
    end: int


def scan(text: str, secrets: Iterable[str] = ()) -> list[Finding]:
    """Personal data in `text` (placeholder: e-mail and phone-like digits only)."""
    # NFKC keeps offsets for the ASCII-range characters these patterns match only when the text is
    # already half-width; the placeholder accepts that, the real guard maps spans back.
    folded = nfkc(text) if len(nfkc(text)) == len(text) else text
    found = [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(folded)]
    found += [Finding("phone", m.start(), m.end()) for m in _PHONE.finditer(folded)]
    for secret in secrets:
        if secret:
            found += [Finding("secret", m.start(), m.end()) for m in re.finditer(re.escape(secret), text)]
    return sorted(found, key=lambda f: (f.start, f.end))
