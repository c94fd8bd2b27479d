"""How people's names sort: 五十音順 by furigana where a person has one, else by the name as written.

Pure functions, no Flask. Kanji code points follow no reading order (中村 sorts
before 井上 and 伊藤), so the key is the furigana folded to hiragana: NFKC turns
half-width katakana from Excel rosters into full-width, katakana becomes
hiragana, and spaces are dropped, so ヤマダ タロウ, やまだたろう and ﾔﾏﾀﾞ ﾀﾛｳ sort
together. A person without furigana sorts by their name, after every kana key.
"""
from __future__ import annotations

import unicodedata

KEY_LENGTH = 200
_KATAKANA = range(0x30A1, 0x30F7)  # ァ … ヶ; the hiragana of each is 0x60 lower
_HIRAGANA_OFFSET = 0x60


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - _HIRAGANA_OFFSET) if ord(c) in _KATAKANA else c for c in text)


def name_key(display_name: str | None, furigana: str | None) -> str:
    """The sort key stored with a person (users.name_key)."""
    reading = unicodedata.normalize("NFKC", furigana or "")
    reading = "".join(to_hiragana(reading).split())
    if reading:
        return reading[:KEY_LENGTH]
    return "".join(unicodedata.normalize("NFKC", display_name or "").split())[:KEY_LENGTH]
