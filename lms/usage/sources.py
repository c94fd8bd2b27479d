"""Vendor usage exports: detect which vendor wrote a file and read it into weeks of active days per person.

Pure Python (no Flask). Input is the numbered rows of `lms.core.tabular.read_table`
(the first is the header); output is one `UsageWeek` per (email, Japan week) with
the active days known for that week, per-app detail and the raw rows it came from.
Problems carry stable codes (see `lms.usage.messages`) with the row and the
column as the person sees them; nothing here decides what to write.

Headers are matched by `header_key`: NFKC, camelCase split, lower case, every run
of spaces and punctuation one `_` (so "User Principal Name", "userPrincipalName"
and "user_principal_name" are the same key, and "(work)" / "__work__" too).

What each source can say (see shared/spec/usage-sources.md §2 and §5):

* ``m365_copilot``: last-activity dates only. Every distinct date within the report
  period is a known active day, so a week's figure is a lower bound.
* ``viva``: active days per person per week (Viva weeks start on Sunday; the Sunday
  `MetricDate` is counted in the Japan week that starts the next day).
* ``chatgpt``: first and last active day of a weekly or monthly period (1 or 2 known
  days: a lower bound), and ``is_active``.
* ``claude``: one row per person per day; a day with messages > 0 is active.
* ``gemini``: one row per event (UTC time); active days are distinct Japan dates.
"""
from __future__ import annotations

import ast
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from lms.core.clock import week_start
from lms.core.text import fold

M365 = "m365_copilot"
VIVA = "viva"
CHATGPT = "chatgpt"
CLAUDE = "claude"
GEMINI = "gemini"
KINDS = (M365, VIVA, CHATGPT, CLAUDE, GEMINI)
GENERIC = "generic"  # a company's own format, read through a saved ColumnMapping (never detected)
API = "api"  # events a company's own system posts (lms.usage.events), never a file

JST = ZoneInfo("Asia/Tokyo")
MAX_ROWS = 100_000
CLAUDE_FIRST_DAY = date(2026, 1, 1)  # the analytics API has nothing before this day
GEMINI_FIRST_DAY = date(2025, 6, 20)  # Gemini activity logs exist from this day

Row = tuple[int, list[str]]


@dataclass(frozen=True)
class UsageProblem:
    code: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    source: str | None = None  # for wrong_source / closest source


class UsageFileError(Exception):
    def __init__(self, problems: list[UsageProblem]) -> None:
        super().__init__(", ".join(p.code for p in problems[:5]))
        self.problems = problems


@dataclass
class UsageWeek:
    """What a file says about one person in one Japan week (Monday to Sunday)."""

    email: str  # folded: NFKC, case-insensitive
    week: date
    active_days: int
    detail: dict[str, int] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)  # the file rows it came from


@dataclass
class ParsedUsage:
    kind: str
    weeks: list[UsageWeek]
    problems: list[UsageProblem]
    headers: list[str]
    raw: list[list[str]]  # the data rows as read (header excluded), for re-reading after a parser fix
    row_numbers: list[int]


# --- headers -----------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[\W_]+")  # letters and digits of any script stay (Japanese headers of own formats)


def header_key(text: str) -> str:
    """A header as a lookup key: NFKC, camelCase split, lower case, punctuation and spaces to one `_`."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip()
    text = _CAMEL.sub("_", text).lower()
    return _NON_WORD.sub("_", text).strip("_")


def _compact(key: str) -> str:
    # "power_point" (camelCase PowerPoint) and "powerpoint" (Viva's spelling) are the same column.
    return key.replace("_", "")


# --- the sources' columns ----------------------------------------------------------------------

M365_APPS = {
    "teams": "microsoft_teams_copilot_last_activity_date",
    "word": "word_copilot_last_activity_date",
    "excel": "excel_copilot_last_activity_date",
    "powerpoint": "power_point_copilot_last_activity_date",
    "outlook": "outlook_copilot_last_activity_date",
    "onenote": "one_note_copilot_last_activity_date",
    "loop": "loop_copilot_last_activity_date",
    "chat": "copilot_chat_last_activity_date",
}
VIVA_APPS = {
    "word": "days_of_active_copilot_usage_in_word",
    "excel": "days_of_active_copilot_usage_in_excel",
    "outlook": "days_of_active_copilot_usage_in_outlook",
    "powerpoint": "days_of_active_copilot_usage_in_powerpoint",
    "teams": "days_of_active_copilot_usage_in_teams",
    "onenote": "days_of_active_copilot_usage_in_onenote",
    "loop": "days_of_active_copilot_usage_in_loop",
    "chat": "days_of_active_copilot_chat_work_usage",
}
CLAUDE_METRICS = {
    "messages": "chat_metrics_message_count",
    "conversations": "chat_metrics_distinct_conversation_count",
    "projects": "chat_metrics_distinct_projects_created_count",
    "artifacts": "chat_metrics_distinct_artifacts_created_count",
    "web_searches": "web_search_count",
}

# Columns each source must have (as header keys), and the ones that only it has (for detection).
REQUIRED: dict[str, tuple[str, ...]] = {
    M365: ("report_refresh_date", "report_period", "user_principal_name", "last_activity_date"),
    VIVA: ("person_id", "metric_date", "total_copilot_active_days"),
    CHATGPT: ("period_start", "period_end", "email", "first_day_active_in_period", "last_day_active_in_period"),
    CLAUDE: ("user_email_address", "date", "chat_metrics_message_count"),
    GEMINI: ("id_time", "actor_email"),
}
SIGNATURE: dict[str, tuple[str, ...]] = {
    M365: ("user_principal_name", "report_refresh_date", "copilot_chat_last_activity_date",
           *M365_APPS.values()),
    VIVA: ("person_id", "metric_date", "total_copilot_active_days", "total_copilot_enabled_days",
           *VIVA_APPS.values()),
    CHATGPT: ("cadence", "period_start", "period_end", "public_id", "first_day_active_in_period",
              "last_day_active_in_period", "model_to_messages", "messages_rank", "gpts_messaged"),
    CLAUDE: ("user_email_address", "chat_metrics_message_count", "chat_metrics_distinct_conversation_count",
             "web_search_count"),
    GEMINI: ("id_time", "actor_email", "id_application_name", "events_name", "action"),
}
# Aliases some exports use for a required column.
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("day", "starting_at"),
    "id_time": ("time",),
    "actor_email": ("email",),
}
# A Claude Team plan member list: people and seats, no analytics.
CLAUDE_TEAM_LOOK = ("seat_tier",)


def _index(headers: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, header in enumerate(headers):
        index.setdefault(_compact(header_key(header)), position)
    return index


def _has(index: dict[str, int], key: str) -> bool:
    return any(_compact(k) in index for k in (key, *ALIASES.get(key, ())))


def detect(headers: list[str]) -> str | None:
    """The source kind whose required columns are all in `headers`, or None."""
    index = _index(headers)
    for kind in KINDS:
        if all(_has(index, key) for key in REQUIRED[kind]):
            if kind == GEMINI and _has(index, "chat_metrics_message_count"):
                continue
            return kind
    return None


def closest(headers: list[str]) -> tuple[str, list[str]]:
    """The source a file most resembles and the required columns it lacks (as header keys)."""
    index = _index(headers)

    def score(kind: str) -> float:
        keys = set(SIGNATURE[kind]) | set(REQUIRED[kind])
        return sum(1 for key in keys if _has(index, key)) / len(keys)

    kind = max(KINDS, key=score)
    return kind, [key for key in REQUIRED[kind] if not _has(index, key)]


def looks_like_claude_team(headers: list[str]) -> bool:
    index = _index(headers)
    return any(_has(index, key) for key in CLAUDE_TEAM_LOOK)


# --- reading values ----------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHED = re.compile(r"^[0-9a-f]{16,}$", re.IGNORECASE)


def fold_email(text: str) -> str:
    """An address as a matching key: NFKC and case-folded (kana folding never touches an address)."""
    return fold(text).replace(" ", "")


def parse_date(text: str) -> date | None:
    """A date as exports write it: ISO (with or without time), or Excel's 2026/11/30; None when empty."""
    text = text.strip()
    if not text or text.lower() in ("null", "none"):
        return None
    head = text[:10].replace("/", "-")
    parts = head.split("-")
    if len(parts) == 3 and len(parts[0]) == 4:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2].split("T")[0].split(" ")[0]))
        except ValueError:
            raise ValueError(text) from None
    match = re.match(r"^(\d{4})/(\d{1,2})/(\d{1,2})", text)
    if match:
        return date(*map(int, match.groups()))
    raise ValueError(text)


def parse_time(text: str) -> datetime:
    """An event time (RFC 3339, UTC unless an offset is given) as an aware datetime."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_count(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    value = float(text)
    if value < 0 or not value.is_integer():
        raise ValueError(text)
    return int(value)


def _literal(text: str, kind: type[Any]) -> Any:
    """`text` read as JSON, else as a Python-style literal (some exports write {'gpt-4o': 12}), of type `kind`."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise ValueError(text) from None
    if not isinstance(value, kind):
        raise ValueError(text)
    return value


def parse_mapping(text: str) -> dict[str, Any]:
    """A JSON object, or the Python-style dict some exports write ({'gpt-4o': 12}); {} when empty."""
    text = text.strip()
    return _literal(text, dict) if text else {}


def parse_list(text: str) -> list[str]:
    """A JSON array in a string (ChatGPT's department), or a plain value; [] when empty."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return [str(v) for v in _literal(text, list)]
    return [text]


def japan_week(day: date) -> date:
    """The Monday of the Japan week (Monday to Sunday) a Japan calendar date falls in."""
    return week_start(day)


# --- the parsers -------------------------------------------------------------------------------


class _Reader:
    """Cells of one data row by header key, collecting problems with the row and column named."""

    def __init__(self, headers: list[str], problems: list[UsageProblem]) -> None:
        self.headers = headers
        self.index = _index(headers)
        self.positions: dict[str, int | None] = {}
        self.problems = problems
        self.row = 0
        self.cells: list[str] = []

    def column(self, key: str) -> int | None:
        if key in self.positions:
            return self.positions[key]
        position = next((self.index[_compact(k)] for k in (key, *ALIASES.get(key, ())) if _compact(k) in self.index),
                        None)
        self.positions[key] = position
        return position

    def text(self, key: str) -> str:
        position = self.column(key)
        if position is None or position >= len(self.cells):
            return ""
        return self.cells[position].strip()

    def problem(self, code: str, key: str, value: str | None = None) -> None:
        position = self.column(key)
        name = self.headers[position] if position is not None else key
        self.problems.append(UsageProblem(code, self.row, name.strip().lstrip("\ufeff"), value))

    def value(self, key: str, convert: Callable[[str], Any], code: str = "invalid_value") -> Any:
        raw = self.text(key)
        try:
            return convert(raw)
        except (ValueError, OverflowError):
            self.problem(code, key, raw[:100])
            return None

    def email(self, key: str) -> str | None:
        raw = self.text(key)
        if not raw:
            self.problem("missing_value", key)
            return None
        email = fold_email(raw)
        if not _EMAIL.match(email):
            self.problem("concealed_name" if _HASHED.match(raw) else "invalid_email", key, raw[:100])
            return None
        return email

    def required_date(self, key: str) -> date | None:
        if self.text(key).lower() in ("", "null", "none"):
            self.problem("missing_value", key)
            return None
        value: date | None = self.value(key, parse_date, "invalid_date")
        return value


class _Weeks:
    """Collects known active dates (or per-week day counts) per (email, week)."""

    def __init__(self) -> None:
        self.weeks: dict[tuple[str, date], UsageWeek] = {}
        self.dates: dict[tuple[str, date], set[date]] = {}

    def week(self, email: str, week: date, row: int) -> UsageWeek:
        key = (email, week)
        item = self.weeks.get(key)
        if item is None:
            item = self.weeks[key] = UsageWeek(email, week, 0)
            self.dates[key] = set()
        if row not in item.rows:
            item.rows.append(row)
        return item

    def add_day(self, email: str, day: date, row: int, detail: Iterable[str] = ()) -> None:
        item = self.week(email, japan_week(day), row)
        self.dates[(email, item.week)].add(day)
        item.active_days = len(self.dates[(email, item.week)])
        for name in detail:
            item.detail[name] = item.detail.get(name, 0) + 1

    def result(self) -> list[UsageWeek]:
        return sorted(self.weeks.values(), key=lambda w: (w.email, w.week))


def _duplicate(seen: dict[Any, int], key: Any, reader: _Reader, column: str, value: str) -> bool:
    if key in seen:
        reader.problem("duplicate_row", column, value)
        return True
    seen[key] = reader.row
    return False


def _period_days(text: str) -> int | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return int(digits) if digits else None  # "ALL" has no lower bound


def parse_m365(reader: _Reader, rows: list[Row], today: date) -> list[UsageWeek]:
    weeks = _Weeks()
    seen: dict[Any, int] = {}
    for reader.row, reader.cells in rows:
        email = reader.email("user_principal_name")
        refreshed = reader.required_date("report_refresh_date")
        period = _period_days(reader.text("report_period"))
        dates: dict[str, date | None] = {"any": reader.value("last_activity_date", parse_date, "invalid_date")}
        for app, key in M365_APPS.items():
            dates[app] = reader.value(key, parse_date, "invalid_date")
        if email is None or refreshed is None or _duplicate(seen, email, reader, "user_principal_name", email):
            continue
        if refreshed > today:
            reader.problem("date_outside_period", "report_refresh_date", refreshed.isoformat())
            continue
        first = refreshed - timedelta(days=period - 1) if period else None
        in_period: dict[date, list[str]] = {}
        for app, day in dates.items():
            if day is None:
                continue
            if day > refreshed:
                reader.problem("date_outside_period", "last_activity_date" if app == "any" else M365_APPS[app],
                               day.isoformat())
                continue
            if first is None or day >= first:
                in_period.setdefault(day, [])
                if app != "any":
                    in_period[day].append(app)
        if not in_period:
            weeks.week(email, japan_week(refreshed), reader.row)  # licensed, not active this week
        for day, apps in sorted(in_period.items()):
            weeks.add_day(email, day, reader.row, apps)
    return weeks.result()


def _viva_week(day: date) -> date:
    # Viva weeks run Sunday to Saturday: six of their seven days are in the Japan week starting the next day.
    return japan_week(day + timedelta(days=1))


def parse_viva(reader: _Reader, rows: list[Row], today: date) -> list[UsageWeek]:
    result: list[UsageWeek] = []
    seen: dict[Any, int] = {}
    for reader.row, reader.cells in rows:
        email = reader.email("person_id")
        metric_date = reader.required_date("metric_date")
        days = reader.value("total_copilot_active_days", parse_count)
        detail = {app: reader.value(key, parse_count) for app, key in VIVA_APPS.items() if reader.column(key) is not None}
        if email is None or metric_date is None or days is None:
            continue
        if days > 7:
            reader.problem("invalid_days", "total_copilot_active_days", str(days))
            continue
        if metric_date > today:
            reader.problem("date_outside_period", "metric_date", metric_date.isoformat())
            continue
        week = _viva_week(metric_date)
        if _duplicate(seen, (email, week), reader, "person_id", email):
            continue
        result.append(UsageWeek(email, week, days, {k: v for k, v in detail.items() if v}, [reader.row]))
    return result


def parse_chatgpt(reader: _Reader, rows: list[Row], today: date) -> list[UsageWeek]:
    weeks = _Weeks()
    seen: dict[Any, int] = {}
    for reader.row, reader.cells in rows:
        email = reader.email("email")
        start = reader.required_date("period_start")
        end = reader.required_date("period_end")
        first = reader.value("first_day_active_in_period", parse_date, "invalid_date")
        last = reader.value("last_day_active_in_period", parse_date, "invalid_date")
        reader.value("department", parse_list, "invalid_json")
        models = reader.value("model_to_messages", parse_mapping, "invalid_json")
        for key in ("gpt_to_messages", "tool_to_messages", "project_to_messages"):
            reader.value(key, parse_mapping, "invalid_json")
        if email is None or start is None or end is None:
            continue
        if end < start or end > today:
            reader.problem("date_outside_period", "period_end", end.isoformat())
            continue
        if _duplicate(seen, (email, start), reader, "email", email):
            continue
        active = [d for d in (first, last) if d is not None]
        outside = [d for d in active if not start <= d <= end]
        if outside:
            reader.problem("date_outside_period", "first_day_active_in_period"
                           if outside[0] == first else "last_day_active_in_period", outside[0].isoformat())
            continue
        if not active and reader.text("cadence").lower() == "weekly":
            weeks.week(email, japan_week(start + timedelta(days=3)), reader.row)  # the week of most of the period
        for day in sorted(set(active)):
            weeks.add_day(email, day, reader.row)
        if models and active:
            item = weeks.week(email, japan_week(max(active)), reader.row)
            for model, count in models.items():
                if isinstance(count, (int, float)):
                    item.detail[str(model)] = item.detail.get(str(model), 0) + int(count)
    return weeks.result()


def parse_claude(reader: _Reader, rows: list[Row], today: date) -> list[UsageWeek]:
    weeks = _Weeks()
    seen: dict[Any, int] = {}
    for reader.row, reader.cells in rows:
        email = reader.email("user_email_address")
        day = reader.required_date("date")
        counts = {name: reader.value(key, parse_count) for name, key in CLAUDE_METRICS.items()
                  if reader.column(key) is not None}
        if email is None or day is None or None in counts.values():
            continue
        if day < CLAUDE_FIRST_DAY or day > today:
            reader.problem("date_outside_period", "date", day.isoformat())
            continue
        if _duplicate(seen, (email, day), reader, "user_email_address", email):
            continue
        item = weeks.week(email, japan_week(day), reader.row)
        if counts.get("messages", 0) > 0:
            weeks.add_day(email, day, reader.row)
        for name, value in counts.items():
            if value:
                item.detail[name] = item.detail.get(name, 0) + value
    return weeks.result()


def parse_gemini(reader: _Reader, rows: list[Row], today: date) -> list[UsageWeek]:
    weeks = _Weeks()
    for reader.row, reader.cells in rows:
        email = reader.email("actor_email")
        moment = reader.value("id_time", parse_time, "invalid_date")
        if email is None or moment is None:
            continue
        event = reader.text("events_name") or reader.text("event_name")
        if event and event != "feature_utilization":
            continue  # not an AI-assisted action
        day = moment.astimezone(JST).date()
        if day < GEMINI_FIRST_DAY or day > today:
            reader.problem("date_outside_period", "id_time", reader.text("id_time"))
            continue
        app = reader.text("app_name") or reader.text("id_application_name") or "gemini"
        action = reader.text("action") or reader.text("events_parameters_action")
        weeks.add_day(email, day, reader.row, [f"{app}:{action}" if action else app])
    return weeks.result()


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a company's own format hold the email, the date and (optionally) an activity count.

    Without an activity column every row is a day of use; with one, a day counts when its number is above 0.
    Dates may carry a time: with an offset or Z they are turned into Japan dates.
    """

    email: str
    date: str
    activity: str = ""

    def columns(self) -> list[str]:
        return [c for c in (self.email, self.date, self.activity) if c]

    def missing(self, headers: list[str]) -> list[str]:
        index = _index(headers)
        return [c for c in self.columns() if _compact(header_key(c)) not in index]

    def as_dict(self) -> dict[str, str]:
        return {"email": self.email, "date": self.date, "activity": self.activity}


def _japan_date(text: str) -> date | None:
    text = text.strip()
    if len(text) > 10 and (text.endswith(("Z", "z")) or "+" in text[10:] or "-" in text[10:]):
        return parse_time(text).astimezone(JST).date()
    return parse_date(text)


def parse_generic(reader: _Reader, rows: list[Row], today: date, mapping: ColumnMapping) -> list[UsageWeek]:
    weeks = _Weeks()
    email_key, date_key = header_key(mapping.email), header_key(mapping.date)
    activity_key = header_key(mapping.activity) if mapping.activity else ""
    for reader.row, reader.cells in rows:
        email = reader.email(email_key)
        day = reader.value(date_key, _japan_date, "invalid_date")
        amount = reader.value(activity_key, parse_count) if activity_key else 1
        if email is None or amount is None:
            continue
        if day is None:
            if reader.text(date_key) == "":
                reader.problem("missing_value", date_key)
            continue
        if day > today:
            reader.problem("date_outside_period", date_key, day.isoformat())
            continue
        if amount > 0:
            weeks.add_day(email, day, reader.row)
        else:
            weeks.week(email, japan_week(day), reader.row)
    return weeks.result()


PARSERS: dict[str, Callable[[_Reader, list[Row], date], list[UsageWeek]]] = {
    M365: parse_m365, VIVA: parse_viva, CHATGPT: parse_chatgpt, CLAUDE: parse_claude, GEMINI: parse_gemini,
}


def header_row(rows: list[Row]) -> list[str]:
    """The header cells of a table, trailing blanks dropped (XLSX rows come padded to the sheet's width)."""
    if not rows:
        raise UsageFileError([UsageProblem("empty_file")])
    headers = [h.strip() for h in rows[0][1]]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def parse_rows(rows: list[Row], kind: str, today: date, mapping: ColumnMapping | None = None) -> ParsedUsage:
    """Read a table (header first) as `kind` ("auto" detects it); raises UsageFileError for file-level problems.

    `mapping` reads a company's own format (kind GENERIC, or "auto" when no vendor's
    header matches). Row problems (a bad date, an address that is not one, a date
    outside the period) are returned in `problems`, every one of them, not raised.
    """
    headers = header_row(rows)
    header_number = rows[0][0]
    rows = [(number, cells[:len(headers)]) for number, cells in rows]
    detected = detect(headers)
    if kind == "auto" and detected is None and mapping is not None and not mapping.missing(headers):
        kind = GENERIC
    if kind == GENERIC:
        if mapping is None:
            raise UsageFileError([UsageProblem("no_mapping", header_number)])
        missing = mapping.missing(headers)
        if missing:
            raise UsageFileError([UsageProblem("missing_column", header_number, column=m, source=GENERIC)
                                  for m in missing])
        return _parse(GENERIC, headers, rows[1:], lambda r, d, t: parse_generic(r, d, t, mapping), today)
    if kind == "auto":
        if detected is None:
            raise UsageFileError([_unknown(headers)])
        kind = detected
    elif kind not in PARSERS:
        raise ValueError(kind)
    elif detected != kind:
        if detected is not None:
            raise UsageFileError([UsageProblem("wrong_source", header_number, value=kind, source=detected)])
        problem = _unknown(headers)
        missing = closest_missing(headers, kind)
        raise UsageFileError([problem] if problem.code == "claude_team_plan" else
                             [UsageProblem("missing_column", header_number, column=m, source=kind) for m in missing])
    return _parse(kind, headers, rows[1:], PARSERS[kind], today)


def _parse(kind: str, headers: list[str], data: list[Row],
           parser: Callable[[_Reader, list[Row], date], list[UsageWeek]], today: date) -> ParsedUsage:
    if not data:
        raise UsageFileError([UsageProblem("no_rows", source=kind)])
    if len(data) > MAX_ROWS:
        raise UsageFileError([UsageProblem("too_many_rows", source=kind)])
    problems: list[UsageProblem] = []
    weeks = parser(_Reader(headers, problems), data, today)
    concealed = [p for p in problems if p.code == "concealed_name"]
    if concealed:
        # One explanation for the whole file, not one per row: it is a tenant setting.
        raise UsageFileError([UsageProblem("concealed_names", concealed[0].row, concealed[0].column,
                                           concealed[0].value, source=kind)])
    return ParsedUsage(kind, weeks, problems, headers, [cells for _, cells in data], [n for n, _ in data])


def closest_missing(headers: list[str], kind: str) -> list[str]:
    index = _index(headers)
    return [key for key in REQUIRED[kind] if not _has(index, key)]


def _unknown(headers: list[str]) -> UsageProblem:
    if looks_like_claude_team(headers):
        return UsageProblem("claude_team_plan", 1, source=CLAUDE)
    kind, missing = closest(headers)
    return UsageProblem("unknown_source", 1, column=", ".join(missing), source=kind)
