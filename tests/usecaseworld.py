"""Use-case files for tests: the format's example and helpers to write, change and load them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lms.courses.sync import Author
from lms.usecases.source import UsecaseSource, parse_usecase_text
from lms.usecases.sync import sync_usecases

TOKYO = ZoneInfo("Asia/Tokyo")
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "tests" / "data" / "usecases" / "shift-shitagaki.md").read_text(encoding="utf-8")
# The example without links, for tests that have no courses or exercises loaded.
PLAIN = EXAMPLE.replace("lessons: [ws-kouri/mise-no-shigoto/shift]\n", "").replace("exercises: [kouri-shift]\n", "")


def case_text(title: str = "シフト表の下書きを作る", *, industries: str = "[retail, food_service, accommodation, "
              "healthcare_welfare]", departments: str = "[店舗, 介護]", level: str = "beginner", extra: str = "") -> str:
    text = PLAIN.replace("title: シフト表の下書きを作る", f"title: {title}")
    text = text.replace("industries: [retail, food_service, accommodation, healthcare_welfare]", f"industries: {industries}")
    text = text.replace("departments: [店舗, 介護]", f"departments: {departments}")
    text = text.replace("level: beginner", f"level: {level}")
    return text.replace("checkin_task: data\n", f"checkin_task: data\n{extra}")


def write_cases(root: Path, **files: str) -> Path:
    folder = root / "usecases"
    folder.mkdir(parents=True, exist_ok=True)
    for case_id, text in files.items():
        (folder / f"{case_id.replace('_', '-')}.md").write_text(text, encoding="utf-8")
    return folder


def parsed(case_id: str, text: str) -> UsecaseSource:
    return parse_usecase_text(text, path=f"usecases/{case_id}.md", case_id=case_id)


def load_cases(**files: str) -> None:
    """Sync these cases (id=text) as the whole catalog; the caller's transaction holds them."""
    sync_usecases([parsed(k.replace("_", "-"), v) for k, v in files.items()], author=Author(None, "test"))


class Clock:
    """Replaces `utcnow` in every lms module that imported it (and in lms.core.clock), so all of the app sees one time."""

    def __init__(self, monkeypatch: Any, start: datetime) -> None:
        import sys

        from lms.core.clock import utcnow as real

        self.now = self.start = start
        for name, module in list(sys.modules.items()):
            if name.startswith("lms") and getattr(module, "utcnow", None) is real:
                monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def days(self, n: int, hour: int = 9) -> datetime:
        """`n` days after the start's date, at `hour` in Japan."""
        start = self.start.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
        return (start + timedelta(days=n, hours=hour)).astimezone(timezone.utc)
