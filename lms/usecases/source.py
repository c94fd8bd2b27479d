"""Read use-case sources (`usecases/<id>.md`, format version 1) into validated dataclasses.

Pure Python, no Flask: sync, `flask usecases sync --check` and the tests call
this. The format is specified in docs/usecase-authoring.ja.md (for trainers)
and /work/brief/usecase-format.md. Every problem of a file is collected and
raised together as one :class:`UsecaseSourceError`, each with the line to fix.
Checks across files (duplicate ids, aliases, links to lessons and exercises)
run in :func:`load_usecases`, against the sources of the same sync run.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from lms.core.frontmatter import (
    N_,
    flat_markdown_files,
    relative_path,
    SURROGATE_RE,
    Document,
    Invalid,
    Schema,
    SourceError,
    choice,
    code_list,
    decode,
    is_slug,
    normalise,
    parse_document,
    refused_characters,
    scan_fences,
    slug_value,
    string_list,
    text_value,
    whole_number,
)
from lms.core.vocab import DATA_CLASSES, DEPARTMENTS, INDUSTRY_CODES, TASKS, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS

TASK_TYPES: tuple[str, ...] = tuple(USECASE_TASK_TYPES)
TOOLS: tuple[str, ...] = tuple(USECASE_TOOLS)
LEVELS: tuple[str, ...] = tuple(USECASE_LEVELS)
DATA_CLASS_CODES: tuple[str, ...] = tuple(DATA_CLASSES)
CHECKIN_TASKS: tuple[str, ...] = tuple(TASKS)
BASES: tuple[str, ...] = ("example", "cited", "measured")
SYSTEMATIC = "systematic"
SECTIONS: tuple[str, ...] = ("手順", "プロンプトのひな形", "ポイント")
REQUIRED_SECTIONS: tuple[str, ...] = ("手順", "プロンプトのひな形")
MIN_STEPS, MAX_STEPS = 3, 7
LESSON_REF_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*")
_HEADING_RE = re.compile(r"^ {0,3}##[ \t]+(.*?)[ \t#]*$")
_STEP_RE = re.compile(r"^(\d{1,2})\.[ \t]+\S")
_TIME_KEYS = ("minutes", "basis", "source")
# A lesson's or an exercise's `usecases:` naming no case (neither a case's id nor one of its old ids).
UNKNOWN_USECASE = N_("unknown use case %(value)s: no use case has that id (or had it as an old id)")


@dataclass(frozen=True)
class UsecaseSource:
    id: str
    path: str
    title: str
    summary: str
    aliases: tuple[str, ...]
    industries: tuple[str, ...]
    departments: tuple[str, ...]
    task_type: str
    tools: tuple[str, ...]
    level: str
    risks: tuple[str, ...]
    data_class: str
    never_enter: tuple[str, ...]
    checks: tuple[str, ...]
    prerequisites: tuple[str, ...]
    minutes: int
    basis: str
    basis_source: str  # the citation of a `cited` figure, "" otherwise
    sources: tuple[tuple[str, str], ...]  # (title, url)
    lessons: tuple[str, ...]
    exercises: tuple[str, ...]
    checkin_task: str
    steps: tuple[str, ...]
    template: str  # the fenced block of ## プロンプトのひな形
    points: str  # ## ポイント, Markdown ("" when absent)
    body: str  # the whole body, Markdown
    raw: str
    content_hash: str
    lines: dict[str, int]  # front-matter key -> file line, for errors across files

    def parsed(self) -> dict[str, Any]:
        """Everything but the raw text, as JSON-ready data (stored with each revision)."""
        return {
            "title": self.title, "summary": self.summary, "aliases": list(self.aliases),
            "industries": list(self.industries), "departments": list(self.departments), "task_type": self.task_type,
            "tools": list(self.tools), "level": self.level, "risks": list(self.risks), "data_class": self.data_class,
            "never_enter": list(self.never_enter), "checks": list(self.checks),
            "prerequisites": list(self.prerequisites),
            "time_saved": {"minutes": self.minutes, "basis": self.basis, "source": self.basis_source},
            "sources": [{"title": t, "url": u} for t, u in self.sources], "lessons": list(self.lessons),
            "exercises": list(self.exercises), "checkin_task": self.checkin_task, "steps": list(self.steps),
            "template": self.template, "points": self.points,
        }


class UsecaseSourceError(Exception):
    def __init__(self, errors: Iterable[SourceError]) -> None:
        self.errors: list[SourceError] = sorted(errors, key=lambda e: (e.path, e.line))
        super().__init__("\n".join(str(e) for e in self.errors))


# --- front matter -------------------------------------------------------------------------------


def _bounded_text(limit: int, one_line: bool = False) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        text = text_value(key, value)
        if one_line and "\n" in text:
            raise Invalid(N_("%(key)s must be one line"), key=key)
        if len(text) > limit:
            raise Invalid(N_("%(key)s is %(length)d characters long; keep it to %(limit)d at most"),
                          key=key, length=len(text), limit=limit)
        return text
    return check


def _non_empty(check: Callable[[str, Any], tuple[str, ...]]) -> Callable[[str, Any], tuple[str, ...]]:
    def wrapped(key: str, value: Any) -> tuple[str, ...]:
        if value == [] or value is None:
            raise Invalid(N_("%(key)s must list at least one item"), key=key)
        return check(key, value)
    return wrapped


def _departments(key: str, value: Any) -> tuple[str, ...]:
    items = _non_empty(code_list(DEPARTMENTS))(key, value)
    if len(items) > 3:
        raise Invalid(N_("%(key)s lists %(count)d departments; name 1 to 3"), key=key, count=len(items))
    return items


def _lesson_ref(key: str, value: Any) -> str:
    if not isinstance(value, str) or LESSON_REF_RE.fullmatch(value) is None:
        raise Invalid(N_("%(key)s must list lessons as course/module/lesson slugs (as in the URL), not %(value)s"),
                      key=key, value=repr(value))
    return value


def _mapping(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(N_("%(key)s must be written like {minutes: 60, basis: example}"), key=key)
    return value


def _sources(key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Invalid(N_("%(key)s must be a list of entries like {title: ..., url: ...}"), key=key)
    items = []
    for entry in value:
        unknown = [k for k in entry if k not in ("title", "url")]
        if unknown or "title" not in entry or "url" not in entry:
            raise Invalid(N_("each entry of %(key)s needs exactly title: and url:"), key=key)
        items.append((text_value("title", entry["title"]), text_value("url", entry["url"])))
    return tuple(items)


_SCHEMA: Schema = {
    "title": _bounded_text(80, one_line=True), "summary": _bounded_text(200, one_line=True),
    "aliases": string_list(slug_value), "industries": _non_empty(code_list(INDUSTRY_CODES)),
    "departments": _departments, "task_type": choice(TASK_TYPES), "tools": _non_empty(code_list(TOOLS)),
    "level": choice(LEVELS), "risks": _non_empty(string_list()), "data_class": choice(DATA_CLASS_CODES),
    "never_enter": _non_empty(string_list()), "checks": _non_empty(string_list()),
    "prerequisites": string_list(), "time_saved": _mapping, "sources": _sources,
    "lessons": string_list(_lesson_ref), "exercises": string_list(slug_value), "checkin_task": choice(CHECKIN_TASKS),
}
_REQUIRED = ("title", "summary", "industries", "departments", "task_type", "tools", "level", "data_class",
             "never_enter", "checks", "time_saved", "checkin_task")
FRONT_MATTER_KEYS: tuple[str, ...] = tuple(_SCHEMA)


def _time_saved(doc: Document, shipped: bool) -> tuple[int, str, str] | None:
    """(minutes, basis, source) of `time_saved`, reporting each problem on its own line."""
    value = doc.values.get("time_saved")
    node = doc.nodes.get("time_saved")
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        return None
    lines = {str(k.value): int(k.start_mark.line) + 2 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    start = doc.line_of("time_saved")
    ok = True

    def error(at: str | None, message: str, **params: Any) -> None:
        nonlocal ok
        ok = False
        doc.error(lines.get(at, start) if at else start, message, **params)

    for key in value:
        if key not in _TIME_KEYS:
            error(str(key), N_("unknown key %(key)s in time_saved; allowed keys: %(allowed)s"), key=repr(key),
                  allowed=", ".join(_TIME_KEYS))
    minutes = basis = None
    source = ""
    if "minutes" not in value:
        error(None, N_("time_saved needs minutes: (a whole number of minutes per week)"))
    else:
        try:
            minutes = whole_number(1, 10_000)("time_saved.minutes", value["minutes"])
        except Invalid as exc:
            error("minutes", exc.message, **exc.params)
    if "basis" not in value:
        error(None, N_("time_saved needs basis: example or cited"))
    else:
        try:
            basis = choice(BASES)("time_saved.basis", value["basis"])
        except Invalid as exc:
            error("basis", exc.message, **exc.params)
    if "source" in value:
        try:
            source = text_value("time_saved.source", value["source"])
        except Invalid as exc:
            error("source", exc.message, **exc.params)
    if basis == "cited" and "source" not in value:
        error("basis", N_("basis: cited needs source: \"<title>, <url or publication>\"; without a source write "
                          "basis: example"))
    if basis == "example" and "source" in value:
        error("source", N_("a figure with basis: example has no source: use basis: cited, or remove source:"))
    if basis == "measured" and shipped:
        error("basis", N_("basis: measured is only for a company's own figures after adoption, never in a shipped "
                          "file: use example, or cited with a source"))
    if not ok or minutes is None or basis is None:
        return None
    return minutes, basis, source


# --- body ---------------------------------------------------------------------------------------


@dataclass
class _Section:
    name: str
    line: int
    lines: list[str]
    first_line: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


def _sections(doc: Document) -> dict[str, _Section]:
    lines = doc.body.split("\n")
    in_code: set[int] = set()
    for fence in scan_fences(lines):
        in_code.update(range(fence.start, (fence.end if fence.end is not None else len(lines) - 1) + 1))
    found: dict[str, _Section] = {}
    current: _Section | None = None
    for index, text in enumerate(lines):
        line = doc.body_line + index
        match = _HEADING_RE.match(text) if index not in in_code else None
        if match is None:
            if current is not None:
                current.lines.append(text)
            elif text.strip():
                doc.error(line, N_("text before the first section: start the body with '## 手順'"))
                current = _Section("", line, [], line + 1)
            continue
        name = match.group(1).strip()
        if name not in SECTIONS:
            doc.error(line, N_("unknown section '## %(name)s'; use ## 手順, ## プロンプトのひな形 and ## ポイント, "
                               "in this order"), name=name)
            current = _Section("", line, [], line + 1)
        elif name in found:
            doc.error(line, N_("section '## %(name)s' appears twice (first on line %(first)d)"), name=name,
                      first=found[name].line)
            current = _Section("", line, [], line + 1)
        else:
            later = [s for s in found if SECTIONS.index(s) > SECTIONS.index(name)]
            if later:
                doc.error(line, N_("section '## %(name)s' must come before '## %(later)s'"), name=name, later=later[0])
            current = found[name] = _Section(name, line, [], line + 1)
    for name in REQUIRED_SECTIONS:
        if name not in found:
            doc.error(doc.body_line, N_("missing section '## %(name)s'"), name=name)
    return found


def _steps(doc: Document, section: _Section) -> tuple[str, ...]:
    steps: list[str] = []
    for index, text in enumerate(section.lines):
        match = _STEP_RE.match(text)
        if match is None:
            if steps and text.strip() and text[:1] in (" ", "\t"):
                steps[-1] += " " + text.strip()  # a continuation line of the step
            continue
        if int(match.group(1)) != len(steps) + 1:
            doc.error(section.first_line + index, N_("step %(number)s is out of order: number the steps 1. 2. 3."),
                      number=match.group(1))
        steps.append(text.split(".", 1)[1].strip())
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        doc.error(section.line, N_("## 手順 has %(count)d numbered steps (1. 2. 3.); write %(low)d to %(high)d"),
                  count=len(steps), low=MIN_STEPS, high=MAX_STEPS)
    return tuple(steps)


def _template(doc: Document, section: _Section) -> str | None:
    fences = scan_fences(section.lines)
    if not fences:
        doc.error(section.line, N_("## プロンプトのひな形 needs a fenced block (```text ... ```) holding the template"))
        return None
    if len(fences) > 1:
        doc.error(section.first_line + fences[1].start, N_("## プロンプトのひな形 holds one fenced block only"))
    fence = fences[0]
    fence_line = section.first_line + fence.start
    if fence.end is None:
        doc.error(fence_line, N_("the template's block is not closed: add a closing fence line (```)"))
        return None
    if fence.info != "text":
        doc.error(fence_line, N_("open the template's block with ```text"))
    template = "\n".join(section.lines[fence.start + 1:fence.end]).strip("\n")
    if not template.strip():
        doc.error(fence_line, N_("the template's block is empty: write the prompt template inside it"))
        return None
    return template


# --- the whole file -----------------------------------------------------------------------------


def _parse(text: str, path: str, case_id: str, *, shipped: bool) -> UsecaseSource:
    doc = parse_document(text, path, _SCHEMA, _REQUIRED)
    if not is_slug(case_id):
        doc.error(1, N_("file name %(value)s is not an id: use lowercase letters, digits and single dashes, at most 64 "
                        "characters, then .md"), value=repr(case_id + ".md"))
    values = doc.values
    if values.get("level") == SYSTEMATIC and "risks" not in doc.lines:
        doc.error(doc.line_of("level"), N_("level: systematic needs risks: list each risk and how to contain it"))
    if case_id in values.get("aliases", ()):
        doc.error(doc.line_of("aliases"), N_("alias %(value)s is the case's own id: remove it"), value=repr(case_id))
    time_saved = _time_saved(doc, shipped)
    sections = _sections(doc) if doc.body_line > 1 else {}
    steps = _steps(doc, sections["手順"]) if "手順" in sections else ()
    template = _template(doc, sections["プロンプトのひな形"]) if "プロンプトのひな形" in sections else None
    if doc.errors or template is None or time_saved is None:
        raise UsecaseSourceError(doc.errors)
    return UsecaseSource(
        id=case_id, path=path, title=values["title"], summary=values["summary"], aliases=values.get("aliases", ()),
        industries=values["industries"], departments=values["departments"], task_type=values["task_type"],
        tools=values["tools"], level=values["level"], risks=values.get("risks", ()), data_class=values["data_class"],
        never_enter=values["never_enter"], checks=values["checks"], prerequisites=values.get("prerequisites", ()),
        minutes=time_saved[0], basis=time_saved[1], basis_source=time_saved[2], sources=values.get("sources", ()),
        lessons=values.get("lessons", ()), exercises=values.get("exercises", ()), checkin_task=values["checkin_task"],
        steps=steps, template=template, points=sections["ポイント"].text if "ポイント" in sections else "",
        body=doc.body.strip("\n"), raw=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
        lines=dict(doc.lines),
    )


def parse_usecase_text(text: str, *, path: str, case_id: str, shipped: bool = True) -> UsecaseSource:
    """Validate one use-case file's text; raises UsecaseSourceError listing every problem."""
    if SURROGATE_RE.search(text):
        raise UsecaseSourceError([SourceError(path, 1, N_("text contains an invalid character (a lone surrogate)"))])
    text = normalise(text)
    refused = refused_characters(text, path)
    if refused:
        raise UsecaseSourceError(refused)
    return _parse(text, path, case_id, shipped=shipped)


def load_usecase(file: Path, *, root: Path | None = None) -> UsecaseSource:
    """Read and validate one `usecases/<id>.md`; raises UsecaseSourceError."""
    path = relative_path(file, file.parent.parent if root is None else root)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsecaseSourceError([SourceError(path, 1, f"cannot read file: {exc.strerror}")]) from None
    text, errors = decode(data, path)
    if text is None:
        raise UsecaseSourceError(errors)
    return _parse(text, path, file.name.removesuffix(".md"), shipped=True)


def usecase_files(folder: Path) -> tuple[list[Path], list[SourceError]]:
    """The case files of a flat folder (README.md left out), and errors for anything else in it."""
    return flat_markdown_files(
        folder,
        not_flat="usecases/ is flat: only <id>.md files (and README.md) belong here",
        not_markdown="unexpected file: use cases are Markdown files named <id>.md",
    )


def check_across(
    sources: list[UsecaseSource], *, lesson_refs: frozenset[str] | None, exercise_slugs: frozenset[str] | None
) -> list[SourceError]:
    """Rules across files: ids and aliases unique, lessons and exercises exist (None: not known, not checked)."""
    errors: list[SourceError] = []
    owners = {s.id: s for s in sources}
    alias_owner: dict[str, UsecaseSource] = {}
    for source in sources:
        line = source.lines.get("aliases", 1)
        for alias in source.aliases:
            if alias in owners and owners[alias] is not source:
                errors.append(SourceError(source.path, line, N_("alias %(value)s is the id of %(other)s: an alias "
                                                                "must not be a live case's id"),
                                          {"value": repr(alias), "other": owners[alias].path}))
            elif alias in alias_owner:
                errors.append(SourceError(source.path, line, N_("alias %(value)s is also an alias of %(other)s"),
                                          {"value": repr(alias), "other": alias_owner[alias].path}))
            else:
                alias_owner[alias] = source
        if lesson_refs is not None:
            for ref in source.lessons:
                if ref not in lesson_refs:
                    errors.append(SourceError(source.path, source.lines.get("lessons", 1),
                                              N_("unknown lesson %(value)s: no lesson course/module/lesson with that "
                                                 "path exists"), {"value": repr(ref)}))
        if exercise_slugs is not None:
            for slug in source.exercises:
                if slug not in exercise_slugs:
                    errors.append(SourceError(source.path, source.lines.get("exercises", 1),
                                              N_("unknown exercise %(value)s: no exercise with that slug exists"),
                                              {"value": repr(slug)}))
    return errors


def parse_usecases(folder: Path) -> tuple[list[UsecaseSource], list[SourceError]]:
    """Every case of `folder` that is valid and the problems of each file on its own (no check across files)."""
    files, errors = usecase_files(folder)
    sources: list[UsecaseSource] = []
    for file in files:
        try:
            sources.append(load_usecase(file, root=folder.parent))
        except UsecaseSourceError as exc:
            errors.extend(exc.errors)
    return sources, errors


def folder_ids(folder: Path, sources: list[UsecaseSource]) -> frozenset[str]:
    """The ids a link may name in `folder`: every case file's id (valid or not) and the old ids of the valid ones."""
    files, _ = usecase_files(folder)
    return frozenset(f.name.removesuffix(".md") for f in files) | {a for s in sources for a in s.aliases}


def load_usecases(
    folder: Path, *, lesson_refs: frozenset[str] | None = None, exercise_slugs: frozenset[str] | None = None,
    parsed: tuple[list[UsecaseSource], list[SourceError]] | None = None,
) -> tuple[list[UsecaseSource], list[SourceError]]:
    """Every case of `folder` that is valid, and every problem found (sync writes nothing when there is one).

    Ids are file names, so two files cannot share one; a duplicate id shows up
    as an alias colliding with another file's id (reported by check_across).
    `parsed` is this folder's `parse_usecases` result when the caller already has it.
    """
    sources, errors = parsed if parsed is not None else parse_usecases(folder)
    errors = [*errors, *check_across(sources, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs)]
    return list(sources), sorted(errors, key=lambda e: (e.path, e.line))
