"""Days a session should not fall on: Japanese public holidays and 年末年始 (29 December to 3 January).

Pure functions of dates, no Flask. Public holidays come from the maintained
`holidays` package, which computes them by rule (equinoxes, substitute and
"sandwiched" holidays included) for any year, so no table here goes stale.
年末年始 is not a public holiday but most companies close then.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

# The package's language codes for ours; anything else gets the Japanese names.
LANGUAGES = {"ja": "ja", "en": "en_US"}


@dataclass(frozen=True)
class DayOff:
    day: date
    holiday: str | None  # the public holiday's name, in the asked language
    year_end: bool  # 29 Dec – 3 Jan


@lru_cache(maxsize=64)
def _public_holidays(year: int, language: str) -> dict[date, str]:
    import holidays  # here, not at the top: it is large and only calendars need it

    return dict(holidays.country_holidays("JP", years=year, language=LANGUAGES.get(language, "ja")))


def is_year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def day_off(day: date, language: str = "ja") -> DayOff | None:
    """What makes `day` a poor day for a session, or None for an ordinary day."""
    name = _public_holidays(day.year, language).get(day)
    if name is None and not is_year_end(day):
        return None
    return DayOff(day, name, is_year_end(day))
