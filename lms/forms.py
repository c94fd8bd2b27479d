"""Form helpers shared by every feature."""
from __future__ import annotations

from typing import Any, Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices; labels may be lazy strings."""
    return [SelectChoice(value, label) for value, label in pairs]
