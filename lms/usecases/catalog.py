"""The provider's own case catalog as a spreadsheet: the column template, rows to cases and cases to rows.

A row becomes the text of a case file (front matter + body) and goes through
the very parser of `usecases/<id>.md` (:func:`lms.usecases.source.parse_usecase_text`),
so a spreadsheet refuses exactly what a file refuses. Every front-matter key and
body section is written on lines of its own, so a parser error's line names the
column to fix. Code columns take codes or their labels (Japanese or English);
list columns take one item per line (Alt+Enter in Excel), code lists also
commas or 、.

No Flask request here: callers pass the labels (:func:`label_maps`) and the
links known to exist, and map :class:`CatalogProblem` to text in the UI language.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from lms import textrule
from lms.core import tabular
from lms.core.frontmatter import N_, SourceError, Template
from lms.core.text import fold
from lms.core.vocab import DATA_CLASSES, DEPARTMENTS, INDUSTRIES, TASKS, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.usecases.source import UsecaseSource, UsecaseSourceError, check_across, parse_usecase_text

MAX_ROWS = 20_000
MAX_PROBLEMS = 300
PROGRESS_EVERY = 1000  # rows between progress lines of the CLI

# Kinds of cell.
ID, LINE, TEXT, ITEMS, CODES, CODE, MINUTES, SOURCES, STEPS = (
    "id", "line", "text", "items", "codes", "code", "minutes", "sources", "steps")


@dataclass(frozen=True)
class Column:
    field: str  # the file format's key (time_saved's keys are minutes, basis, source)
    header: str  # the Japanese header the template writes
    kind: str
    required: bool  # the column must be in the file (the cell may still be optional, as in a file)
    aliases: tuple[str, ...] = ()  # other headers accepted (the English field names)


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", ID, True),
    Column("title", "タイトル", LINE, True),
    Column("summary", "概要", LINE, True),
    Column("aliases", "旧ID", CODES, False),
    Column("industries", "業種", CODES, True),
    Column("departments", "部門", CODES, True),
    Column("task_type", "作業の種類", CODE, True),
    Column("tools", "ツール", CODES, True),
    Column("level", "レベル", CODE, True),
    Column("risks", "リスクと対策", ITEMS, False),
    Column("data_class", "データの区分", CODE, True),
    Column("never_enter", "入力してはいけないもの", ITEMS, True),
    Column("checks", "確認すること", ITEMS, True),
    Column("prerequisites", "前提条件", ITEMS, False),
    Column("minutes", "削減時間（分/週）", MINUTES, True, ("time_saved_minutes", "time saved minutes", "削減時間")),
    Column("basis", "根拠", CODE, True, ("time_saved_basis",)),
    Column("source", "削減時間の出典", LINE, False, ("time_saved_source",)),
    Column("sources", "参考資料", SOURCES, False),
    Column("steps", "手順", STEPS, True),
    Column("template", "プロンプトのひな形", TEXT, True, ("prompt_template", "prompt template")),
    Column("points", "ポイント", TEXT, False),
    Column("lessons", "レッスン", CODES, False),
    Column("exercises", "演習", CODES, False),
    Column("checkin_task", "チェックインの作業", CODE, True),
)
BY_FIELD = {c.field: c for c in COLUMNS}
FRONT_KEYS = ("title", "summary", "aliases", "industries", "departments", "task_type", "tools", "level", "risks",
              "data_class", "never_enter", "checks", "prerequisites", "time_saved", "sources", "lessons", "exercises",
              "checkin_task")
# Columns whose cells may name a code by its label: field -> {code: label}.
CODE_FIELDS: dict[str, Mapping[str, Any]] = {
    "industries": {"all": "All industries", **INDUSTRIES}, "departments": {d: d for d in DEPARTMENTS},
    "task_type": USECASE_TASK_TYPES, "tools": USECASE_TOOLS, "level": USECASE_LEVELS, "data_class": DATA_CLASSES,
    "checkin_task": TASKS,
    "basis": {"example": "Example", "cited": "Cited", "measured": "Measured"},
}
# Labels beyond the vocabulary's: what trainers write in Japanese for these codes.
EXTRA_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "industries": {"all": ("全業種", "すべて", "すべての業種")},
    "task_type": {"data": ("集計・分析",)},
    "basis": {"example": ("例",), "cited": ("出典あり", "引用"), "measured": ("実測",)},
}
FORMULA_PREFIXES = ("=", "+", "-", "@")
_LIST_SPLIT = re.compile(r"[\n,、，､]")
_STEP_NUMBER = re.compile(r"^\s*\d{1,2}\s*[.．、)）]\s*")
_SOURCE_SPLIT = re.compile(r"\s*[|｜]\s*")


@dataclass(frozen=True)
class CatalogProblem:
    """One problem of an uploaded catalog: the row as the sheet shows it and the column header, when known."""

    row: int | None
    column: str | None
    message: str  # a Template filled from params, or final text
    params: Mapping[str, Any] = field(default_factory=dict)

    def localized(self, translate: Callable[[str], str]) -> str:
        text = translate(str(self.message)) % self.params if isinstance(self.message, Template) else self.message
        if self.row is not None and self.column:
            where = translate(N_("row %(number)d, column “%(column)s”: ")) % {"number": self.row, "column": self.column}
        elif self.row is not None:
            where = translate(N_("row %(number)d: ")) % {"number": self.row}
        elif self.column:
            where = translate(N_("column “%(column)s”: ")) % {"column": self.column}
        else:
            where = ""
        return where + text


class CatalogFileError(Exception):
    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        found = sorted(problems, key=lambda p: (p.row or 0, _order(p.column)))
        self.problems = found[:MAX_PROBLEMS]
        if len(found) > MAX_PROBLEMS:
            self.problems.append(CatalogProblem(None, None, N_("only the first %(limit)d problems are shown: fix "
                                                               "them and check the file again"),
                                                {"limit": MAX_PROBLEMS}))
        super().__init__("\n".join(p.localized(str) for p in self.problems))


def _order(header: str | None) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c.header == header), -1)


@dataclass(frozen=True)
class LabelMaps:
    """Per code field, folded label or code -> code (what a cell may say), and code -> the label export writes."""

    to_code: dict[str, dict[str, str]]
    to_label: dict[str, dict[str, str]]


def label_maps(translate: Callable[[str], str]) -> LabelMaps:
    """The code fields' labels: `translate` gives the Japanese label (export writes it); English labels and codes
    are read too."""
    to_code: dict[str, dict[str, str]] = {}
    to_label: dict[str, dict[str, str]] = {}
    for name, labels in CODE_FIELDS.items():
        accepted: dict[str, str] = {}
        shown: dict[str, str] = {}
        for code, label in labels.items():
            msgid = str(getattr(label, "_args", [label])[0]) if not isinstance(label, str) else label
            japanese = translate(msgid) if name != "departments" else code
            if name == "industries" and code == "all":
                japanese = "全業種"
            if name == "basis":
                japanese = EXTRA_LABELS["basis"][code][0]
            shown[code] = japanese
            for text in (code, msgid, japanese, *EXTRA_LABELS.get(name, {}).get(code, ())):
                accepted.setdefault(fold(text), code)
        to_code[name], to_label[name] = accepted, shown
    return LabelMaps(to_code, to_label)


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class ParsedCatalog:
    sources: list[UsecaseSource]
    rows: dict[str, int]  # case id -> sheet row
    encoding: str
    headers: dict[str, str]  # field -> header as written in the file


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column.header, column.field, *column.aliases):
            index[tabular.header_key(name)] = column.field
            index[tabular.header_key(name.replace("_", " "))] = column.field
    index[tabular.header_key("削減時間(分/週)")] = "minutes"
    return index


HEADER_INDEX = _header_index()


def read_catalog(
    data: bytes, filename: str, labels: LabelMaps, *, lesson_refs: frozenset[str] | None,
    exercise_slugs: frozenset[str] | None, progress: Callable[[str], None] | None = None,
) -> ParsedCatalog:
    """Every row of an uploaded catalog as a validated case; raises CatalogFileError listing every problem."""
    try:
        rows, encoding = tabular.read_table(data, filename, MAX_ROWS)
    except tabular.TabularError as exc:
        raise CatalogFileError([_file_problem(exc)]) from None
    if not rows:
        raise CatalogFileError([CatalogProblem(None, None, N_("the file has no rows: the first row must hold the "
                                                               "column headers"))])
    header_row, header = rows[0]
    fields: dict[int, str] = {}
    headers: dict[str, str] = {}
    problems: list[CatalogProblem] = []
    for index, cell in enumerate(header):
        text = tabular.strip(cell)
        if not text:
            continue
        name = HEADER_INDEX.get(tabular.header_key(text))
        if name is None:
            problems.append(CatalogProblem(header_row, text, N_("unknown column: use the headers of the template "
                                                                 "(see the guide), or delete the column")))
        elif name in headers:
            problems.append(CatalogProblem(header_row, text, N_("this column appears twice (also “%(other)s”)"),
                                           {"other": headers[name]}))
        else:
            fields[index], headers[name] = name, text
    if not headers and encoding == "cp932":
        raise CatalogFileError([_file_problem(tabular.TabularError("unknown_encoding"))])
    for column in COLUMNS:
        if column.required and column.field not in headers:
            problems.append(CatalogProblem(header_row, column.header, N_("required column missing: add it to the "
                                                                          "header row")))
    if len(rows) - 1 > MAX_ROWS:
        problems.append(CatalogProblem(None, None, N_("the file has more than %(limit)d rows: split it"),
                                       {"limit": MAX_ROWS}))
    if problems:
        raise CatalogFileError(problems)
    sources: list[UsecaseSource] = []
    where: dict[str, int] = {}
    path_rows: dict[str, int] = {}
    if progress:
        progress(f"{len(rows) - 1} row(s) read from {filename}")
    for done, (number, cells) in enumerate(rows[1:], start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(f"{done} of {len(rows) - 1} row(s) checked")
        if len(problems) > MAX_PROBLEMS:  # one more than shown tells there are more
            break
        values = {name: (cells[i] if i < len(cells) else "") for i, name in fields.items()}
        try:
            source = row_source(number, values, labels, headers)
        except CatalogFileError as exc:
            problems.extend(exc.problems)
            continue
        path_rows[source.path] = number
        if source.id in where:
            problems.append(CatalogProblem(number, headers["id"], N_("id %(value)s is also on row %(other)d: each "
                                                                      "case needs its own id"),
                                           {"value": repr(source.id), "other": where[source.id]}))
            continue
        where[source.id] = number
        sources.append(source)
    problems.extend(_row_problem(e, path_rows, headers)
                    for e in check_across(sources, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs))
    if problems:
        raise CatalogFileError(problems)
    if not sources:
        raise CatalogFileError([CatalogProblem(None, None, N_("the file has a header row but no case rows"))])
    return ParsedCatalog(sources, where, encoding, headers)


def across_problems(errors: list[SourceError], catalog: ParsedCatalog) -> list[CatalogProblem]:
    """Errors of the sources found against the database (claimed_elsewhere) as row-and-column problems."""
    paths = {row_path(number): number for number in catalog.rows.values()}
    return [_row_problem(e, paths, catalog.headers) for e in errors]


def row_path(number: int) -> str:
    return f"row {number}"


def _file_problem(exc: tabular.TabularError) -> CatalogProblem:
    messages = {
        "unsupported_file_type": N_("the file must be .xlsx or .csv"),
        "empty_file": N_("the file is empty"),
        "unknown_encoding": N_("cannot read the file's characters: save it as UTF-8 CSV, or as .xlsx"),
        "bad_csv": N_("the CSV file is damaged (a cell is too large or a quote is never closed)"),
        "bad_xlsx": N_("the .xlsx file cannot be opened: save it again from Excel"),
    }
    return CatalogProblem(exc.row_number, None, messages.get(exc.code, N_("the file cannot be read")))


def _row_problem(error: SourceError, paths: dict[str, int], headers: dict[str, str]) -> CatalogProblem:
    """An error of check_across or claimed_elsewhere (lessons, exercises, aliases, ids) as row and column."""
    number = paths.get(error.path)
    text = str(error.message)
    params = dict(error.params)
    message: str = error.message
    if "belongs to case" in text:  # claimed_elsewhere: the import's other catalog is the files
        name = "id" if error.line == 1 else "aliases"
        message = N_("id %(value)s is a case of the usecases/ files (%(other)s): file cases are edited as files, "
                     "never imported; remove this row or choose another id")
    else:
        name = "lessons" if "lesson" in text else "exercises" if "exercise" in text else "aliases"
    if "other" in params and str(params["other"]) in paths:
        params["other"] = paths[str(params["other"])]
        if "alias" in text:
            message = N_("alias %(value)s is also used on row %(other)d") if "also an alias" in text else N_(
                "alias %(value)s is the id of the case on row %(other)d: an alias must not be a live case's id")
    return CatalogProblem(number, headers.get(name, BY_FIELD[name].header), message, params)


def _split(text: str, pattern: re.Pattern[str] | None) -> list[str]:
    parts = pattern.split(text) if pattern is not None else text.split("\n")
    return [tabular.strip(p) for p in parts if tabular.strip(p)]


def _code(name: str, text: str, labels: LabelMaps) -> str:
    return labels.to_code.get(name, {}).get(fold(text), text)


def row_source(number: int, values: Mapping[str, str], labels: LabelMaps, headers: Mapping[str, str]) -> UsecaseSource:
    """One row as a validated case (the file parser's rules); raises CatalogFileError naming row and column."""
    problems: list[CatalogProblem] = []
    cells: dict[str, str] = {}
    for name, raw in values.items():
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
            text = text[1:]  # the apostrophe an export puts before = + - @ so that Excel shows text
        found = textrule.first_refused(text, multiline=True)
        if found is not None:
            problems.append(CatalogProblem(number, headers.get(name), N_("the cell contains the character %(char)s, "
                                                                          "which no text may hold: remove it"),
                                           {"char": found.code}))
        cells[name] = text
    if problems:
        raise CatalogFileError(problems)
    text, line_fields = case_text(cells, labels)
    case_id = tabular.strip(cells.get("id", ""))
    try:
        return parse_usecase_text(text, path=row_path(number), case_id=case_id)
    except UsecaseSourceError as exc:
        raise CatalogFileError(_problem(number, case_id, e, line_fields, headers) for e in exc.errors) from None


def _problem(
    number: int, case_id: str, error: SourceError, line_fields: list[str], headers: Mapping[str, str],
) -> CatalogProblem:
    params = dict(error.params)
    message: str = error.message
    if isinstance(message, Template) and message.startswith("missing required key"):
        name = "minutes" if params.get("key") == "time_saved" else str(params.get("key"))
        message, params = N_("this cell is empty: fill it in"), {}
    elif isinstance(message, Template) and message.startswith("file name"):
        name = "id"
        message = N_("id %(value)s is not an id: use lowercase letters, digits and single dashes, at most 64 "
                     "characters") if case_id else N_("this cell is empty: fill it in")
        params = {"value": repr(case_id)} if case_id else {}
    else:
        name = line_fields[error.line - 1] if 0 < error.line <= len(line_fields) else "id"
        key = str(params.get("key", ""))
        if key.startswith("time_saved."):
            name = key.split(".", 1)[1]
    column = BY_FIELD.get(name)
    header = headers.get(name, column.header if column else name)
    if "key" in params:
        params["key"] = f"「{header}」"
    return CatalogProblem(number, header, message, params)


# --- the file text of a row --------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def case_text(cells: Mapping[str, str], labels: LabelMaps) -> tuple[str, list[str]]:
    """The file text a row stands for, and for each of its lines the field (column) it came from."""
    lines: list[str] = ["---"]
    owners: list[str] = ["id"]

    def add(line: str, owner: str) -> None:
        lines.append(line)
        owners.append(owner)

    def cell(name: str) -> str:
        return cells.get(name, "")

    for key in FRONT_KEYS:
        if key == "time_saved":
            minutes, basis, source = (tabular.strip(cell(n)) for n in ("minutes", "basis", "source"))
            if not (minutes or basis or source):
                continue
            add("time_saved:", "minutes")
            if minutes:
                number = unicodedata.normalize("NFKC", minutes)
                add(f"  minutes: {number if number.isascii() and number.isdigit() else _json(minutes)}", "minutes")
            if basis:
                add(f"  basis: {_json(_code('basis', basis, labels))}", "basis")
            if source:
                add(f"  source: {_json(source)}", "source")
            continue
        column = BY_FIELD[key]
        value = cell(key)
        if not tabular.strip(value):
            continue
        if column.kind == LINE:
            add(f"{key}: {_json(tabular.strip(value))}", key)
        elif column.kind == CODE:
            add(f"{key}: {_json(_code(key, tabular.strip(value), labels))}", key)
        elif column.kind == CODES:
            add(f"{key}: {_json([_code(key, v, labels) for v in _split(value, _LIST_SPLIT)])}", key)
        elif column.kind == ITEMS:
            add(f"{key}: {_json(_split(value, None))}", key)
        elif column.kind == SOURCES:
            entries = []
            for item in _split(value, None):
                title, _, url = item.rpartition("|") if "|" in item else item.rpartition("｜")
                entries.append({"title": tabular.strip(title), "url": tabular.strip(url)} if title
                               else {"title": tabular.strip(url), "url": ""})
            add(f"{key}: {_json(entries)}", key)
    add("---", "id")
    add("", "steps")
    add("## 手順", "steps")
    add("", "steps")
    for position, step in enumerate(_split(cell("steps"), None), start=1):
        add(f"{position}. {_STEP_NUMBER.sub('', step, count=1)}", "steps")
    add("", "steps")
    add("## プロンプトのひな形", "template")
    add("", "template")
    template = cell("template").strip("\n")
    fence = _fence(template)
    add(f"{fence}text", "template")
    for line in template.split("\n") if template.strip() else []:
        add(line, "template")
    add(fence, "template")
    points = cell("points").strip("\n")
    if points.strip():
        add("", "points")
        add("## ポイント", "points")
        add("", "points")
        for line in points.split("\n"):
            add(line, "points")
    add("", "points")
    return "\n".join(lines[:-1]) + "\n", owners


# --- writing -----------------------------------------------------------------------------------


def source_row(parsed: Mapping[str, Any], case_id: str, labels: LabelMaps) -> list[str]:
    """A case's stored parse (UsecaseSource.parsed()) as the template's cells, in COLUMNS order."""
    def codes(name: str, items: Iterable[str]) -> str:
        shown = labels.to_label.get(name, {})
        return "\n".join(shown.get(code, code) for code in items)

    time_saved = parsed.get("time_saved", {})
    values: dict[str, str] = {
        "id": case_id, "title": parsed["title"], "summary": parsed["summary"],
        "aliases": "\n".join(parsed.get("aliases", [])), "industries": codes("industries", parsed["industries"]),
        "departments": codes("departments", parsed["departments"]),
        "task_type": codes("task_type", [parsed["task_type"]]), "tools": codes("tools", parsed["tools"]),
        "level": codes("level", [parsed["level"]]), "risks": "\n".join(parsed.get("risks", [])),
        "data_class": codes("data_class", [parsed["data_class"]]), "never_enter": "\n".join(parsed["never_enter"]),
        "checks": "\n".join(parsed["checks"]), "prerequisites": "\n".join(parsed.get("prerequisites", [])),
        "minutes": str(time_saved.get("minutes", "")), "basis": codes("basis", [time_saved.get("basis", "")]),
        "source": time_saved.get("source", ""),
        "sources": "\n".join(f"{s['title']} | {s['url']}" for s in parsed.get("sources", [])),
        "steps": "\n".join(parsed["steps"]), "template": parsed["template"], "points": parsed.get("points", ""),
        "lessons": "\n".join(parsed.get("lessons", [])), "exercises": "\n".join(parsed.get("exercises", [])),
        "checkin_task": codes("checkin_task", [parsed["checkin_task"]]),
    }
    return [values[c.field] for c in COLUMNS]


def headers() -> list[str]:
    return [c.header for c in COLUMNS]
