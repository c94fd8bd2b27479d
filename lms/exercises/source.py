"""Read exercise sources (`exercises/<slug>.md`, format version 1) into validated dataclasses.

Pure Python, no Flask: sync, `flask exercises check` and the tests call this.
The format is specified in docs/exercise-authoring.ja.md (for trainers) and
/work/brief/exercise-format.md. Every problem of a file is collected and raised
together as one :class:`ExerciseSourceError`, each with the line to fix.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from lms.core import pii
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
from lms.core.text import fold
from lms.courses.source import INDUSTRY_CODES, LEVELS
from lms.exercises.rubric import ELEMENTS, compile_pattern, evaluate
from lms.usecases.source import UNKNOWN_USECASE

DEPARTMENTS: tuple[str, ...] = (
    "経営", "営業", "マーケティング", "EC", "顧客対応", "経理", "人事", "総務", "情報システム", "製造", "施工", "店舗",
    "介護", "運行管理",
)
CHECK_KINDS: tuple[str, ...] = ("element", "contains", "regex", "length", "forbidden")
FORBIDDEN_WHAT: tuple[str, ...] = ("secrets", "personal_data")
SECTIONS: tuple[str, ...] = ("課題", "資料", "お手本")
REQUIRED_SECTIONS: tuple[str, ...] = ("課題", "お手本")
DEFAULT_WEIGHT = 10
DEFAULT_PASS_SCORE = 70

_COMMON_KEYS = ("id", "label", "check", "weight", "hint")
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "element": ("element", "patterns"),
    "contains": ("any", "all"),
    "regex": ("pattern",),
    "length": ("min", "max"),
    "forbidden": ("what",),
}
_ALL_CRITERION_KEYS = _COMMON_KEYS + tuple(k for keys in _KIND_KEYS.values() for k in keys)
_SECRET_KEYS = ("text", "label")
_HEADING_RE = re.compile(r"^ {0,3}##[ \t]+(.*?)[ \t#]*$")


@dataclass(frozen=True)
class Secret:
    text: str
    label: str
    line: int


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    check: str  # one of CHECK_KINDS
    hint: str
    weight: int  # 0 for forbidden (it blocks instead of scoring)
    line: int
    element: str | None = None
    patterns: tuple[str, ...] = ()  # element: extra regular expressions
    any_of: tuple[str, ...] = ()  # contains: any
    all_of: tuple[str, ...] = ()  # contains: all
    pattern: str | None = None  # regex
    min_chars: int | None = None  # length: min
    max_chars: int | None = None  # length: max
    what: tuple[str, ...] = ()  # forbidden: secrets and/or personal_data

    @property
    def blocking(self) -> bool:
        return self.check == "forbidden"

    def to_json(self) -> dict[str, Any]:
        """The criterion as the format writes it (for storage and export)."""
        data: dict[str, Any] = {"id": self.id, "label": self.label, "check": self.check}
        if not self.blocking:
            data["weight"] = self.weight
        data["hint"] = self.hint
        params = {
            "element": self.element, "patterns": list(self.patterns), "any": list(self.any_of),
            "all": list(self.all_of), "pattern": self.pattern, "min": self.min_chars, "max": self.max_chars,
            "what": list(self.what),
        }
        data.update({key: params[key] for key in _KIND_KEYS[self.check] if params[key] not in (None, [])})
        return data


@dataclass(frozen=True)
class ExerciseSource:
    slug: str
    path: str
    title: str
    summary: str
    minutes: int
    level: str
    industries: tuple[str, ...]
    department: str
    usecases: tuple[str, ...]
    pass_score: int
    compare: tuple[str, ...]  # () or exactly two labels
    secrets: tuple[Secret, ...]
    rubric: tuple[Criterion, ...]
    checklist: tuple[str, ...]
    task: str  # ## 課題, Markdown
    material: str  # ## 資料, Markdown ("" when absent)
    model_prompt: str  # the fenced block of ## お手本
    model_explanation: str  # the rest of ## お手本, Markdown
    raw: str
    content_hash: str
    usecases_line: int = 1  # the file line of `usecases:`, for the link check across folders

    def definition(self) -> dict[str, Any]:
        """What the player and the reviews need besides the Markdown, as JSON-ready data."""
        return {
            "compare": list(self.compare),
            "secrets": [{"text": s.text, "label": s.label} for s in self.secrets],
            "rubric": [c.to_json() for c in self.rubric],
            "checklist": list(self.checklist),
            "model_prompt": self.model_prompt,
        }


class ExerciseSourceError(Exception):
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


def _industries(key: str, value: Any) -> tuple[str, ...]:
    if value == []:
        raise Invalid(N_("%(key)s must list at least one code"), key=key)
    return code_list(INDUSTRY_CODES)(key, value)


def _non_empty_list(key: str, value: Any) -> tuple[str, ...]:
    items = string_list()(key, value)
    if not items:
        raise Invalid(N_("%(key)s must list at least one item"), key=key)
    return items


def _two_labels(key: str, value: Any) -> tuple[str, ...]:
    items = string_list()(key, value)
    if len(items) != 2:
        raise Invalid(N_("%(key)s must name exactly two tools, like [ツールA, ツールB], not %(count)d"),
                      key=key, count=len(items))
    return items


def _list_of_mappings(key: str, value: Any) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise Invalid(N_("%(key)s must be a list of entries, each starting with '- '"), key=key)
    return value


_SCHEMA: Schema = {
    "title": _bounded_text(120), "summary": _bounded_text(200, one_line=True), "minutes": whole_number(3, 60),
    "level": choice(LEVELS), "industries": _industries, "department": choice(DEPARTMENTS),
    "usecases": string_list(slug_value), "pass_score": whole_number(1, 100), "compare": _two_labels,
    "secrets": _list_of_mappings, "rubric": _list_of_mappings, "checklist": _non_empty_list,
}
_REQUIRED = ("title", "summary", "minutes", "industries", "department", "rubric", "checklist")
FRONT_MATTER_KEYS: tuple[str, ...] = tuple(_SCHEMA)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 2  # front matter starts on file line 2; PyYAML counts from 0


def _entries(doc: Document, key: str) -> list[tuple[int, dict[str, Any], dict[str, int]]]:
    """(line, values, key lines) of each entry of a list-of-mappings key; non-mapping entries are reported."""
    node, values = doc.nodes.get(key), doc.values.get(key)
    if not isinstance(node, yaml.SequenceNode) or not isinstance(values, list):
        return []
    entries = []
    for item_node, value in zip(node.value, values, strict=False):
        if not isinstance(item_node, yaml.MappingNode) or not isinstance(value, dict):
            doc.error(_line(item_node), N_("each entry of %(key)s must be 'key: value' lines"), key=key)
            continue
        lines = {str(k.value): _line(k) for k, _ in item_node.value if isinstance(k, yaml.ScalarNode)}
        entries.append((_line(item_node), value, lines))
    return entries


class _Entry:
    """One entry (a secret or a criterion) being validated: reads keys, reports problems on their lines."""

    def __init__(self, doc: Document, line: int, values: dict[str, Any], lines: dict[str, int]) -> None:
        self.doc, self.line, self.values, self.lines = doc, line, values, lines
        self.ok = True

    def error(self, at: str | None, message: str, /, **params: Any) -> None:
        """Report on the line of key `at` (None: the entry's first line)."""
        self.ok = False
        self.doc.error(self.lines.get(at, self.line) if at else self.line, message, **params)

    def get(self, key: str, check: Callable[[str, Any], Any], default: Any = None) -> Any:
        if key not in self.values:
            return default
        try:
            return check(key, self.values[key])
        except Invalid as exc:
            self.error(key, exc.message, **exc.params)
            return default


def _read_secrets(doc: Document) -> list[Secret]:
    secrets: list[Secret] = []
    for line, values, lines in _entries(doc, "secrets"):
        entry = _Entry(doc, line, values, lines)
        for key in values:
            if key not in _SECRET_KEYS:
                entry.error(str(key), N_("unknown key %(key)s; allowed keys: %(allowed)s"), key=repr(key),
                            allowed=", ".join(_SECRET_KEYS))
        text, label = entry.get("text", text_value), entry.get("label", text_value)
        for key in ("text", "label"):
            if key not in values:
                entry.error(None, N_("a secret needs '%(key)s:'"), key=key)
        if entry.ok and text is not None and label is not None:
            if any(s.text == text for s in secrets):
                entry.error("text", N_("secret %(value)s is listed twice"), value=repr(text))
            else:
                secrets.append(Secret(text, label, line))
    return secrets


def _compiles(key: str, value: Any) -> str:
    pattern = text_value(key, value)
    try:
        compile_pattern(pattern)
    except re.error as exc:
        raise Invalid(N_("invalid regular expression %(value)s: %(problem)s"), value=repr(pattern), problem=str(exc)) from None
    return pattern


def _patterns(key: str, value: Any) -> tuple[str, ...]:
    return tuple(_compiles(key, item) for item in _non_empty_list(key, value))


def _phrases(key: str, value: Any) -> tuple[str, ...]:
    items = _non_empty_list(key, value)
    if any(not fold(item) for item in items):
        raise Invalid(N_("%(key)s lists a phrase that is only spaces"), key=key)
    return items


def _read_criterion(
    doc: Document, line: int, values: dict[str, Any], lines: dict[str, int], ids: set[str]
) -> Criterion | None:
    entry = _Entry(doc, line, values, lines)
    for key in values:
        if key not in _ALL_CRITERION_KEYS:
            entry.error(str(key), N_("unknown key %(key)s in a criterion; allowed keys: %(allowed)s"),
                        key=repr(key), allowed=", ".join(_ALL_CRITERION_KEYS))
    criterion_id = entry.get("id", slug_value)
    if "id" not in values:
        entry.error(None, N_("a criterion needs 'id:' (a slug, unique within the exercise)"))
    elif criterion_id is not None:
        if criterion_id in ids:
            entry.error("id", N_("criterion id %(value)s is used twice"), value=repr(criterion_id))
        ids.add(criterion_id)
    label = entry.get("label", text_value)
    if "label" not in values:
        entry.error(None, N_("a criterion needs 'label:' (shown to the learner)"))
    hint = entry.get("hint", text_value)
    if "hint" not in values:
        entry.error(None, N_("criterion %(id)s has no hint: add 'hint:' with the teaching hint shown when it is missed"),
                    id=repr(criterion_id or "?"))
    if "check" not in values:
        entry.error(None, N_("a criterion needs 'check:'; use one of: %(options)s"), options=", ".join(CHECK_KINDS))
        return None
    kind = values["check"]
    if not isinstance(kind, str) or kind not in CHECK_KINDS:
        entry.error("check", N_("unknown check kind %(value)s; use one of: %(options)s"),
                    value=repr(kind), options=", ".join(CHECK_KINDS))
        return None
    for key in values:
        if key in _ALL_CRITERION_KEYS and key not in _COMMON_KEYS and key not in _KIND_KEYS[kind]:
            entry.error(str(key), N_("'%(key)s' is not used with check: %(kind)s; its keys are: %(allowed)s"),
                        key=key, kind=kind, allowed=", ".join(_KIND_KEYS[kind]))
    weight = entry.get("weight", whole_number(1, 100), DEFAULT_WEIGHT)
    if kind == "forbidden" and "weight" in values:
        entry.error("weight", N_("a forbidden criterion blocks instead of scoring: remove 'weight'"))
    params = _kind_params(entry, kind)
    if not entry.ok:
        return None
    return Criterion(
        id=criterion_id, label=label, check=kind, hint=hint, weight=0 if kind == "forbidden" else weight, line=line,
        **params,
    )


def _kind_params(entry: _Entry, kind: str) -> dict[str, Any]:
    values = entry.values
    if kind == "element":
        if "element" not in values:
            entry.error(None, N_("check: element needs 'element:'; use one of: %(options)s"), options=", ".join(ELEMENTS))
        return {"element": entry.get("element", choice(ELEMENTS)), "patterns": entry.get("patterns", _patterns, ())}
    if kind == "contains":
        if "any" not in values and "all" not in values:
            entry.error(None, N_("check: contains needs 'any:' or 'all:' (or both), each a list of phrases"))
        return {"any_of": entry.get("any", _phrases, ()), "all_of": entry.get("all", _phrases, ())}
    if kind == "regex":
        if "pattern" not in values:
            entry.error(None, N_("check: regex needs 'pattern:' (a regular expression)"))
        return {"pattern": entry.get("pattern", _compiles)}
    if kind == "length":
        low, high = entry.get("min", whole_number(0)), entry.get("max", whole_number(1))
        if "min" not in values and "max" not in values:
            entry.error(None, N_("check: length needs 'min:' or 'max:' (or both), in characters"))
        elif low is not None and high is not None and low > high:
            entry.error("min", N_("min (%(low)d) is more than max (%(high)d)"), low=low, high=high)
        return {"min_chars": low, "max_chars": high}
    what = entry.get("what", _code_list_of(FORBIDDEN_WHAT), FORBIDDEN_WHAT)
    if "what" in values and "secrets" in what and "secrets" not in entry.doc.lines:
        entry.error("what", N_("what lists secrets, but the exercise has no secrets"))
    return {"what": what}


def _code_list_of(options: tuple[str, ...]) -> Callable[[str, Any], tuple[str, ...]]:
    def check(key: str, value: Any) -> tuple[str, ...]:
        if value == []:
            raise Invalid(N_("%(key)s must list at least one of: %(options)s"), key=key, options=", ".join(options))
        return code_list(options)(key, value)
    return check


def _read_rubric(doc: Document) -> list[Criterion]:
    ids: set[str] = set()
    rubric: list[Criterion] = []
    for line, values, lines in _entries(doc, "rubric"):
        criterion = _read_criterion(doc, line, values, lines, ids)
        if criterion is not None:
            rubric.append(criterion)
    return rubric


# --- body ---------------------------------------------------------------------------------------


@dataclass
class _Section:
    name: str
    line: int  # file line of the heading
    lines: list[str]  # the section's lines after the heading
    first_line: int  # file line of lines[0]

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
                doc.error(line, N_("text before the first section: start the body with '## 課題'"))
                current = _Section("", line, [], line + 1)  # report once
            continue
        name = match.group(1).strip()
        if name not in SECTIONS:
            doc.error(line, N_("unknown section '## %(name)s'; use ## 課題, ## 資料 and ## お手本, in this order"), name=name)
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
    if "課題" in found and not found["課題"].text.strip():
        doc.error(found["課題"].line, N_("section '## 課題' is empty: write the task in the learner's words"))
    return found


def _model_prompt(doc: Document, section: _Section) -> tuple[str, str, int] | None:
    """(prompt, explanation, file line of the fence) of the お手本 section, or None after reporting."""
    fences = scan_fences(section.lines)
    if not fences:
        doc.error(section.line, N_("お手本 needs a fenced block (```text ... ```) holding the model prompt"))
        return None
    fence = fences[0]
    fence_line = section.first_line + fence.start
    if fence.end is None:
        doc.error(fence_line, N_("the model prompt's block is not closed: add a closing fence line (```)"))
        return None
    prompt = "\n".join(section.lines[fence.start + 1:fence.end]).strip("\n")
    if not prompt.strip():
        doc.error(fence_line, N_("the model prompt's block is empty: write the model prompt inside it"))
        return None
    explanation = "\n".join(section.lines[:fence.start] + section.lines[fence.end + 1:]).strip("\n")
    return prompt, explanation, fence_line


# --- the whole file -----------------------------------------------------------------------------


def _parse(text: str, path: str, slug: str) -> ExerciseSource:
    doc = parse_document(text, path, _SCHEMA, _REQUIRED)
    if not is_slug(slug):
        doc.error(1, N_("file name %(value)s is not a slug: use lowercase letters, digits and single dashes, at most 64 "
                        "characters, then .md"), value=repr(slug + ".md"))
    secrets = _read_secrets(doc)
    rubric = _read_rubric(doc)
    sections = _sections(doc) if doc.body_line > 1 else {}  # 1: the front matter was missing or not closed
    task = sections["課題"].text if "課題" in sections else ""
    material = sections["資料"].text if "資料" in sections else ""
    model = _model_prompt(doc, sections["お手本"]) if "お手本" in sections else None
    _check_consistency(doc, secrets, rubric, task, material, sections)
    if doc.errors or model is None:
        raise ExerciseSourceError(doc.errors)
    values = doc.values
    exercise = ExerciseSource(
        slug=slug, path=path, title=values["title"], summary=values["summary"], minutes=values["minutes"],
        level=values.get("level", "beginner"), industries=values["industries"], department=values["department"],
        usecases=values.get("usecases", ()), pass_score=values.get("pass_score", DEFAULT_PASS_SCORE),
        compare=values.get("compare", ()), secrets=tuple(secrets), rubric=tuple(rubric),
        checklist=values["checklist"], task=task, material=material, model_prompt=model[0],
        model_explanation=model[1], raw=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
        usecases_line=doc.lines.get("usecases", 1),
    )
    result = evaluate(exercise, exercise.model_prompt)
    if not result.passed:
        missed = ", ".join(c.id for c in result.missed)
        doc.error(model[2], N_("お手本 does not pass its own rubric: missed %(ids)s (score %(score)d, pass %(pass_score)d)"),
                  ids=missed or "-", score=result.score, pass_score=exercise.pass_score)
        raise ExerciseSourceError(doc.errors)
    return exercise


def _check_consistency(
    doc: Document, secrets: list[Secret], rubric: list[Criterion], task: str, material: str, sections: dict[str, _Section]
) -> None:
    """Rules across keys: secrets occur in the body and are guarded, personal data in the material is guarded."""
    body = fold(task + "\n" + material)
    for secret in secrets:
        if fold(secret.text) not in body:
            doc.error(secret.line, N_("secret %(value)s does not occur in ## 課題 or ## 資料: copy it exactly from there"),
                      value=repr(secret.text))
    if "rubric" in doc.values and rubric and all(c.blocking for c in rubric):
        doc.error(doc.line_of("rubric"), N_("rubric has no scoring criterion: add at least one that is not forbidden"))
    guarded = {what for c in rubric if c.blocking for what in c.what}
    if secrets and "secrets" not in guarded:
        doc.error(doc.line_of("secrets"), N_("this exercise plants secrets: add a criterion with check: forbidden "
                                             "(what: [secrets, personal_data]) so a prompt holding them is blocked"))
    personal = [f for f in pii.scan(material) if f.kind != "secret"]
    if personal and "personal_data" not in guarded and "rubric" in doc.values:
        line = sections["資料"].line if "資料" in sections else doc.body_line
        doc.error(line, N_("the material holds personal data (%(found)s): add a criterion with check: forbidden "
                           "(what: [secrets, personal_data]) so a prompt holding it is blocked"),
                  found=", ".join(sorted({f.text for f in personal}))[:200])


def parse_exercise_text(text: str, *, path: str, slug: str) -> ExerciseSource:
    """Validate one exercise file's text; raises ExerciseSourceError listing every problem."""
    if SURROGATE_RE.search(text):
        raise ExerciseSourceError([SourceError(path, 1, N_("text contains an invalid character (a lone surrogate)"))])
    text = normalise(text)
    refused = refused_characters(text, path)
    if refused:
        raise ExerciseSourceError(refused)
    return _parse(text, path, slug)


def load_exercise(file: Path, *, root: Path | None = None) -> ExerciseSource:
    """Read and validate one `exercises/<slug>.md`; raises ExerciseSourceError."""
    path = relative_path(file, file.parent.parent if root is None else root)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ExerciseSourceError([SourceError(path, 1, f"cannot read file: {exc.strerror}")]) from None
    text, errors = decode(data, path)
    if text is None:
        raise ExerciseSourceError(errors)
    return _parse(text, path, file.name.removesuffix(".md"))


def exercise_files(folder: Path) -> tuple[list[Path], list[SourceError]]:
    """The exercise files of a flat folder (README.md left out), and errors for anything else in it."""
    return flat_markdown_files(
        folder,
        not_flat="exercises/ is flat: only <slug>.md files (and README.md) belong here",
        not_markdown="unexpected file: exercises are Markdown files named <slug>.md",
    )


def unknown_usecases(exercises: list[ExerciseSource], usecase_ids: frozenset[str] | None) -> list[SourceError]:
    """An error for each `usecases:` id no case has (None: the cases are not known, nothing is checked)."""
    if usecase_ids is None:
        return []
    return [SourceError(e.path, e.usecases_line, UNKNOWN_USECASE, {"value": repr(case_id)})
            for e in exercises for case_id in e.usecases if case_id not in usecase_ids]


def load_exercises(
    folder: Path, *, usecase_ids: frozenset[str] | None = None
) -> tuple[list[ExerciseSource], list[SourceError]]:
    """Every exercise of `folder` that is valid, and every problem found (sync writes nothing when there is one).

    `usecases:` ids are checked against `usecase_ids` (None: not known, not checked).
    """
    files, errors = exercise_files(folder)
    exercises: list[ExerciseSource] = []
    for file in files:
        try:
            exercises.append(load_exercise(file, root=folder.parent))
        except ExerciseSourceError as exc:
            errors.extend(exc.errors)
    errors.extend(unknown_usecases(exercises, usecase_ids))
    return exercises, sorted(errors, key=lambda e: (e.path, e.line))
