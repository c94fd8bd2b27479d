"""Parse an uploaded employee roster (CSV or XLSX) into validated rows.

Pure Python (no Flask): the web layer calls :func:`parse_roster` and maps each
:class:`RosterProblem` code to a translated message, so the codes in
:data:`PROBLEM_CODES` are a stable contract.

Rules
-----
* File type comes from the filename extension only: ``.csv`` or ``.xlsx``
  (case-insensitive). Legacy ``.xls`` is refused.
* CSV encodings, tried in this order: UTF-8 with BOM (``utf-8-sig``), UTF-8,
  CP932 (Windows Shift_JIS, what Japanese Excel writes by default). Anything
  else is ``unknown_encoding``. Mojibake is never returned:
    - bytes that are valid CP932 *and* valid EUC-JP are refused, because
      EUC-JP kanji decode as CP932 half-width katakana (山田 -> ｻｳﾅﾄ) without
      any decoding error;
    - after a CP932 decode, missing required headers are reported as
      ``unknown_encoding`` unless a Japanese header was recognised (which
      proves the decode was right, so ``missing_column`` is the truth).
* CSV is comma-separated; a tab-separated file is accepted when its header
  line has tabs and no commas. Nothing is sniffed.
* The header row is the first non-blank row. Headers are matched after NFKC,
  stripping and case-folding, against the aliases in :data:`HEADER_ALIASES`.
  氏名 and メール are required, 部署 and 役割 optional, other columns ignored.
* Row numbers are what a person sees in a spreadsheet: the sheet's row number
  for XLSX, the record number (not the physical line) for CSV. Blank rows are
  skipped but still counted.
* Normalisation: NFKC is applied to headers, e-mail addresses and role tokens
  only, so full-width input like ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ works. Names and
  departments keep the characters as typed (㈱, ①, 髙, 﨑 stay as they are);
  they are only stripped of ASCII whitespace and U+3000.
* Every problem in the file is collected (up to :data:`MAX_PROBLEMS`) and
  raised together in one :class:`RosterFileError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


from lms import textrule
from lms.core import tabular

ROLE_EMPLOYEE = "employee"
ROLE_EXECUTIVE = "executive"
ROLE_ORG_ADMIN = "org_admin"

MAX_ROWS = 5000
MAX_PROBLEMS = 200
NAME_MAX_LENGTH = 100
DEPARTMENT_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit
VALUE_PREVIEW_LENGTH = 100

COLUMN_NAME = "氏名"
COLUMN_EMAIL = "メール"
COLUMN_DEPARTMENT = "部署"
COLUMN_ROLES = "役割"
REQUIRED_COLUMNS = (COLUMN_NAME, COLUMN_EMAIL)

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    COLUMN_NAME: ("氏名", "名前", "氏名（漢字）", "name", "full name"),
    COLUMN_EMAIL: ("メール", "メールアドレス", "email", "e-mail", "mail"),
    COLUMN_DEPARTMENT: ("部署", "部門", "所属", "department"),
    COLUMN_ROLES: ("役割", "権限", "ロール", "role", "roles"),
}

ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    ROLE_EMPLOYEE: ("受講者", "従業員", "社員", "employee"),
    ROLE_EXECUTIVE: ("経営者", "役員", "社長", "executive"),
    ROLE_ORG_ADMIN: ("管理者", "社内管理者", "人事", "org_admin", "admin"),
}

PROBLEM_CODES = frozenset(
    {
        "empty_file",
        "unsupported_file_type",
        "unknown_encoding",
        "bad_xlsx",
        "bad_csv",
        "missing_column",
        "duplicate_column",
        "no_rows",
        "too_many_rows",
        "missing_value",
        "too_long",
        "invalid_value",
        "invalid_email",
        "unknown_role",
        "duplicate_email",
    }
)

# Which characters no cell may hold is the app's one input rule (lms/textrule.py,
# one-line text: controls, bidi overrides, line separators, line breaks and tabs).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc"})

# Applied after NFKC, which already folds ， and ／ to ASCII and U+3000 to " ".
_ROLE_SEPARATORS = re.compile(r"[、,，・/／\s]+")


@dataclass(frozen=True)
class RosterRow:
    row_number: int
    name: str
    email: str
    department: str | None
    roles: frozenset[str]


@dataclass(frozen=True)
class RosterProblem:
    code: str
    row_number: int | None = None
    column: str | None = None
    value: str | None = None


class RosterFileError(Exception):
    """Raised with every problem found; the web layer renders ``problems``."""

    def __init__(self, problems: list[RosterProblem]):
        self.problems = list(problems)
        codes = sorted({problem.code for problem in self.problems})
        super().__init__("roster rejected: " + (", ".join(codes) or "no details"))


@dataclass(frozen=True)
class ParsedRoster:
    rows: list[RosterRow]
    encoding: str


_header_key = tabular.header_key

_HEADER_LOOKUP = {
    _header_key(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}
_ROLE_LOOKUP = {
    unicodedata.normalize("NFKC", alias).casefold(): role
    for role, aliases in ROLE_ALIASES.items()
    for alias in aliases
}


class _Problems:
    def __init__(self) -> None:
        self.items: list[RosterProblem] = []

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def add(
        self,
        code: str,
        row_number: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        if self.full:
            return
        if value is not None:
            value = value[:VALUE_PREVIEW_LENGTH]
        self.items.append(RosterProblem(code, row_number, column, value))


def _fail(code: str, **fields: object) -> RosterFileError:
    return RosterFileError([RosterProblem(code, **fields)])  # type: ignore[arg-type]


_strip = tabular.strip


def _is_displayable(text: str) -> bool:
    if not textrule.is_acceptable(text, multiline=False):
        return False
    # A name of only zero-width or exotic spaces cannot be told apart on screen.
    return any(unicodedata.category(char) not in _INVISIBLE_CATEGORIES for char in text)


def _safe_preview(text: str) -> str:
    # Echoing control characters back into an error page would garble it.
    return textrule.printable(text)


def _map_header(
    header_number: int, header: list[str], encoding: str
) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems = _Problems()
    decode_proven = False
    for index, cell in enumerate(header):
        key = _header_key(cell)
        canonical = _HEADER_LOOKUP.get(key)
        if canonical is None:
            continue
        decode_proven = decode_proven or not key.isascii()
        if canonical in columns:
            problems.add("duplicate_column", header_number, canonical, _strip(cell))
        else:
            columns[canonical] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing and encoding == "cp932" and not decode_proven:
        raise _fail("unknown_encoding")
    for column in missing:
        problems.add("missing_column", header_number, column)
    if problems.items:
        raise RosterFileError(problems.items)
    return columns


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return _strip(cells[index])


def _check_text(
    problems: _Problems,
    row_number: int,
    column: str,
    text: str,
    max_length: int,
) -> bool:
    if len(text) > max_length:
        problems.add("too_long", row_number, column, _safe_preview(text))
        return False
    if not _is_displayable(text):
        problems.add("invalid_value", row_number, column, _safe_preview(text))
        return False
    return True


def _parse_email(problems: _Problems, row_number: int, raw: str) -> str | None:
    email = _strip(unicodedata.normalize("NFKC", raw)).lower()
    if not email:
        problems.add("missing_value", row_number, COLUMN_EMAIL)
        return None
    if len(email) > EMAIL_MAX_LENGTH:
        problems.add("too_long", row_number, COLUMN_EMAIL, _safe_preview(raw))
        return None
    if not email.isascii():
        # Internationalised addresses are refused: many SME mail servers and
        # our outgoing mail path do not support SMTPUTF8.
        problems.add("invalid_email", row_number, COLUMN_EMAIL, _safe_preview(raw))
        return None
    from email_validator import EmailNotValidError, validate_email  # here: large, and only imports need it

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        problems.add("invalid_email", row_number, COLUMN_EMAIL, _safe_preview(raw))
        return None
    return email


def _parse_roles(problems: _Problems, row_number: int, raw: str) -> frozenset[str] | None:
    tokens = [
        token
        for token in _ROLE_SEPARATORS.split(unicodedata.normalize("NFKC", raw))
        if token
    ]
    if not tokens:
        return frozenset({ROLE_EMPLOYEE})
    roles: set[str] = set()
    unknown: list[str] = []
    for token in tokens:
        role = _ROLE_LOOKUP.get(token.casefold())
        if role is not None:
            roles.add(role)
        elif token not in unknown:
            unknown.append(token)
    for token in unknown:
        problems.add("unknown_role", row_number, COLUMN_ROLES, _safe_preview(token))
    return None if unknown else frozenset(roles)


def _build(rows: list[tuple[int, list[str]]], encoding: str) -> ParsedRoster:
    if not rows:
        raise _fail("empty_file")
    (header_number, header), data_rows = rows[0], rows[1:]
    columns = _map_header(header_number, header, encoding)
    if not data_rows:
        raise _fail("no_rows")

    problems = _Problems()
    if len(data_rows) > MAX_ROWS:
        problems.add("too_many_rows")
        data_rows = data_rows[:MAX_ROWS]

    parsed: list[RosterRow] = []
    first_seen: dict[str, int] = {}
    for row_number, cells in data_rows:
        if problems.full:
            break
        before = len(problems.items)

        name = _cell(cells, columns[COLUMN_NAME])
        if not name:
            problems.add("missing_value", row_number, COLUMN_NAME)
        else:
            _check_text(problems, row_number, COLUMN_NAME, name, NAME_MAX_LENGTH)

        email = _parse_email(problems, row_number, _cell(cells, columns[COLUMN_EMAIL]))
        if email is not None:
            if email in first_seen:
                problems.add("duplicate_email", row_number, COLUMN_EMAIL, email)
            else:
                first_seen[email] = row_number

        department = _cell(cells, columns.get(COLUMN_DEPARTMENT)) or None
        if department is not None:
            _check_text(
                problems, row_number, COLUMN_DEPARTMENT, department, DEPARTMENT_MAX_LENGTH
            )

        roles = _parse_roles(problems, row_number, _cell(cells, columns.get(COLUMN_ROLES)))

        if len(problems.items) == before and email is not None and roles is not None:
            parsed.append(RosterRow(row_number, name, email, department, roles))

    if problems.items:
        raise RosterFileError(problems.items)
    return ParsedRoster(rows=parsed, encoding=encoding)


def parse_roster(data: bytes, filename: str) -> ParsedRoster:
    """Parse roster bytes; raise :class:`RosterFileError` with all problems."""
    try:
        rows, encoding = tabular.read_table(data, filename, MAX_ROWS)
    except tabular.TabularError as error:
        value = _safe_preview(filename)[:VALUE_PREVIEW_LENGTH] if error.code == "unsupported_file_type" else None
        raise _fail(error.code, row_number=error.row_number, value=value) from None
    return _build(rows, encoding)
