"""Read course sources (docs: /work/shared/spec/course-format.md, version 1) into validated dataclasses.

Pure Python, no Flask: sync, the browser editor and the tests all call this.
Every problem of a course is collected and raised together as one
:class:`CourseSourceError`, each with the file and line a trainer must fix.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import unquote

import yaml

from lms import textrule
from lms.core.vocab import INDUSTRY_CODES

LESSON_KINDS = ("reading", "quiz", "exercise", "workshop")
LEVELS = ("beginner", "intermediate", "advanced")
AUDIENCES = ("everyone", "executives")  # executives: shown to executives and company admins, not to employees
LANGUAGES = ("ja", "en")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 64

_MODULE_DIR_RE = re.compile(r"^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
_LESSON_FILE_RE = re.compile(r"^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_FENCE_OPEN_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ASSET_PREFIXES = ("assets/", "./assets/", "../assets/", "../../assets/")
_INLINE_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_LINK_RES = (
    re.compile(r"\]\(\s*(?:<([^>\n]*)>|([^\s)]+))"),  # [text](target) and ![alt](target)
    re.compile(r"^ {0,3}\[[^\]]+\]:\s*(?:<([^>\n]*)>|(\S+))"),  # [ref]: target
    re.compile(r"""\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I),  # raw HTML
)
_OPTION_RE = re.compile(r"^- \[([ xX])\](.*)$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class _Template(str):
    """An English message template (a msgid): filled from params, translated where a person reads it."""


def N_(message: str) -> _Template:
    """Mark a message template for extraction; the web layer shows it in the UI language."""
    return _Template(message)


@dataclass(frozen=True)
class SourceError:
    path: str
    line: int
    message: str  # a _Template filled from params, or final English text (folder-level errors the CLI prints)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def localized(self, translate: Callable[[str], str]) -> str:
        """The message through `translate` (a gettext), with its values filled in."""
        if isinstance(self.message, _Template):
            return translate(str(self.message)) % self.params
        return self.message

    @property
    def text(self) -> str:
        return self.localized(str)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


class CourseSourceError(Exception):
    def __init__(self, errors: Iterable[SourceError]) -> None:
        self.errors: list[SourceError] = sorted(errors, key=lambda e: (e.path, e.line))
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class QuizOption:
    text: str
    correct: bool


@dataclass(frozen=True)
class QuizQuestion:
    prompt: str
    options: tuple[QuizOption, ...]
    explanation: str | None
    line: int

    @property
    def multiple(self) -> bool:
        return sum(o.correct for o in self.options) > 1


@dataclass(frozen=True)
class LessonSource:
    slug: str
    position: int
    path: str
    title: str
    kind: str
    minutes: int | None
    required: bool
    pass_percent: int
    exercise: str | None
    usecases: tuple[str, ...]
    aliases: tuple[str, ...]
    raw: str
    body: str
    questions: tuple[QuizQuestion, ...]
    content_hash: str


@dataclass(frozen=True)
class ModuleSource:
    slug: str
    position: int
    path: str
    title: str
    week: int
    intro: str
    raw: str | None
    lessons: tuple[LessonSource, ...]


@dataclass(frozen=True)
class AssetSource:
    path: str
    data: bytes
    content_hash: str


@dataclass(frozen=True)
class CourseSource:
    slug: str
    path: str
    title: str
    summary: str
    industries: tuple[str, ...]
    level: str
    language: str
    tags: tuple[str, ...]
    audience: str
    overview: str
    raw: str
    modules: tuple[ModuleSource, ...]
    assets: tuple[AssetSource, ...]
    content_hash: str


# --- front matter -------------------------------------------------------------------------------


class _Invalid(Exception):
    """A front-matter value is wrong; the message says how to fix it."""

    def __init__(self, message: _Template, **params: Any) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(N_("%(key)s must be text (put it in quotes if it looks like a number, date or yes/no)"), key=key)
    if not value.strip():
        raise _Invalid(N_("%(key)s must not be empty"), key=key)
    if _SURROGATE_RE.search(value):  # YAML escapes like "\ud800" make text that cannot be stored
        raise _Invalid(N_("%(key)s contains an escape for an invalid character (a lone surrogate)"), key=key)
    found = textrule.first_refused(value, multiline=True)
    if found is not None:  # YAML escapes like "\0" or "\u202e" make characters no text may hold
        raise _Invalid(N_("%(key)s contains the character %(char)s, which no text may hold: remove it"),
                       key=key, char=found.code)
    return value.strip()


def _whole_number(low: int, high: int | None = None) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        # bool is an int in Python, but "minutes: yes" is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            if high is None:
                raise _Invalid(N_("%(key)s must be a whole number of %(low)d or more, not %(value)s"),
                               key=key, low=low, value=repr(value))
            raise _Invalid(N_("%(key)s must be a whole number from %(low)d to %(high)d, not %(value)s"),
                           key=key, low=low, high=high, value=repr(value))
        return value
    return check


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(N_("%(key)s must be true or false, not %(value)s"), key=key, value=repr(value))
    return value


def _is_slug(value: str) -> bool:
    return len(value) <= SLUG_MAX and SLUG_RE.fullmatch(value) is not None


def _slug(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _is_slug(value):
        raise _Invalid(N_("%(key)s must be a slug (lowercase letters, digits and single dashes, at most 64), not %(value)s"),
                       key=key, value=repr(value))
    return value


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise _Invalid(N_("unknown %(key)s %(value)s; use one of: %(options)s"),
                           key=key, value=repr(value), options=", ".join(options))
        return value
    return check


def _string_list(item: Callable[[str, Any], str] | None = None) -> Callable[[str, Any], tuple[str, ...]]:
    def check(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _Invalid(N_("%(key)s must be a list of text items, like [a, b] (quote items that look like numbers)"), key=key)
        items = tuple(item(key, v) if item else _text(key, v) for v in value)
        duplicates = sorted({v for v in items if items.count(v) > 1})
        if duplicates:
            raise _Invalid(N_("%(key)s lists %(items)s more than once"), key=key, items=", ".join(map(repr, duplicates)))
        return items
    return check


def _code_list(options: tuple[str, ...]) -> Callable[[str, Any], tuple[str, ...]]:
    def check(key: str, value: Any) -> tuple[str, ...]:
        items = _string_list()(key, value)
        bad = [v for v in items if v not in options]
        if bad:
            raise _Invalid(N_("unknown %(key)s code %(value)s; use any of: %(options)s"),
                           key=key, value=repr(bad[0]), options=", ".join(options))
        if not items:
            raise _Invalid(N_("%(key)s must list at least one code (leave the key out to mean [all])"), key=key)
        return items
    return check


_Schema = dict[str, Callable[[str, Any], Any]]
_COURSE_SCHEMA: _Schema = {
    "title": _text, "summary": _text, "industries": _code_list(INDUSTRY_CODES),
    "level": _choice(LEVELS), "language": _choice(LANGUAGES), "tags": _string_list(), "audience": _choice(AUDIENCES),
}
_MODULE_SCHEMA: _Schema = {"title": _text, "week": _whole_number(1)}
_LESSON_SCHEMA: _Schema = {
    "title": _text, "kind": _choice(LESSON_KINDS), "minutes": _whole_number(1), "required": _boolean,
    "pass_percent": _whole_number(0, 100), "exercise": _slug, "usecases": _string_list(), "aliases": _string_list(_slug),
}


@dataclass
class _Document:
    """One Markdown file split into validated front matter and body."""

    path: str
    raw: str
    values: dict[str, Any] = field(default_factory=dict)  # only keys that were present and valid
    lines: dict[str, int] = field(default_factory=dict)  # key -> file line
    body: str = ""
    body_line: int = 1  # file line of the body's first line
    errors: list[SourceError] = field(default_factory=list)

    def error(self, line: int, message: str, **params: Any) -> None:
        self.errors.append(SourceError(self.path, line, message, params))

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def _decode(data: bytes, path: str) -> tuple[str | None, list[SourceError]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = N_("file is not UTF-8 (byte 0x%(byte)02X at byte %(column)d of this line): save it as UTF-8")
        return None, [SourceError(path, line, message, {"byte": data[exc.start], "column": column})]
    text = _normalise(text)
    errors = refused_characters(text, path)
    return (None if errors else text), errors


def refused_characters(text: str, path: str, first_line: int = 1) -> list[SourceError]:
    """One error per line holding a character the input rule refuses (lms/textrule.py)."""
    errors: list[SourceError] = []
    for found in textrule.all_refused(text, multiline=True):
        line = first_line + found.line - 1
        if not errors or errors[-1].line != line:
            message = N_("this line contains the character %(char)s, which no text may hold: remove it")
            errors.append(SourceError(path, line, message, {"char": found.code}))
    return errors


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _parse_document(text: str, path: str, schema: _Schema, required: tuple[str, ...]) -> _Document:
    doc = _Document(path, text)
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        doc.error(1, N_("missing front matter: the file must start with a '---' line, then 'title: ...', then '---'"))
        return doc
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        doc.error(1, N_("front matter is not closed: add a '---' line after the front matter"))
        return doc
    doc.body = "\n".join(lines[end + 1:])
    doc.body_line = end + 2
    if _read_front_matter(doc, "\n".join(lines[1:end]), schema):
        for key in required:
            if key not in doc.lines:
                doc.error(1, N_("missing required key '%(key)s' in the front matter"), key=key)
    return doc


def _yaml_line(exc: yaml.YAMLError, source: str) -> int:
    # Front matter starts on file line 2; PyYAML counts lines from 0.
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 2
    position = getattr(exc, "position", None)  # ReaderError (forbidden characters) has no mark
    return source[:position].count("\n") + 2 if isinstance(position, int) else 1


def _read_front_matter(doc: _Document, source: str, schema: _Schema) -> bool:
    """Fill doc.values and doc.lines; False when the YAML could not be read as a mapping at all."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(source)  # checks for forbidden characters already
        node = loader.get_single_node()
        if not isinstance(node, yaml.MappingNode):
            doc.error(1, N_("front matter must be 'key: value' lines (a YAML mapping)"))
            return False
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 2
            key = key_node.value if key_node.tag == "tag:yaml.org,2002:str" else None
            if key not in schema:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else key_node.id
                doc.error(line, N_("unknown key %(key)s; allowed keys: %(allowed)s"), key=repr(shown), allowed=", ".join(schema))
            elif key in doc.lines:
                doc.error(line, N_("duplicate key '%(key)s' (already set on line %(first)d)"), key=key,
                          first=doc.lines[key])
            else:
                doc.lines[key] = line
                _check_value(doc, loader, key, value_node, schema[key], line)
        return True
    except yaml.reader.ReaderError as exc:
        doc.error(_yaml_line(exc, source), N_("front matter contains the character %(char)s, which YAML does not allow: "
                                              "remove it"), char=f"U+{exc.character:04X}")
    except yaml.YAMLError as exc:
        doc.error(_yaml_line(exc, source), N_("invalid YAML in front matter: %(problem)s"),
                  problem=str(getattr(exc, "problem", None) or exc))
    except RecursionError:
        doc.error(1, N_("invalid YAML in front matter: nested too deeply"))
    finally:
        if loader is not None:
            loader.dispose()
    return False


def _check_value(
    doc: _Document, loader: yaml.SafeLoader, key: str, node: yaml.Node, check: Callable[[str, Any], Any], line: int
) -> None:
    try:
        value = loader.construct_object(node, deep=True)
        doc.values[key] = check(key, value)
    except _Invalid as exc:
        doc.error(line, exc.message, **exc.params)
    except yaml.MarkedYAMLError as exc:  # e.g. an unknown !!tag
        doc.error(line, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc.problem))
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date like 2024-02-30
        doc.error(line, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc))


# --- body: fences, links, quizzes ---------------------------------------------------------------


@dataclass(frozen=True)
class _Fence:
    start: int  # index of the opening fence line
    end: int | None  # index of the closing fence line, None when never closed
    quiz: bool


def _scan_fences(lines: Sequence[str]) -> list[_Fence]:
    fences: list[_Fence] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN_RE.match(lines[i])
        if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
            i += 1
            continue
        marker = match.group(1)
        close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        fences.append(_Fence(i, end, match.group(2).strip() == "quiz"))
        i = len(lines) if end is None else end + 1
    return fences


def _offsets(lines: Sequence[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    return offsets


def split_quiz_blocks(body: str) -> list[tuple[str, str]]:
    """[("markdown", text) | ("quiz", inner text)] in order; fence lines belong to neither."""
    lines = body.split("\n")
    offsets = _offsets(lines)
    parts: list[tuple[str, str]] = []
    position = 0
    for fence in _scan_fences(lines):
        if not fence.quiz:
            continue
        if offsets[fence.start] > position:
            parts.append(("markdown", body[position:offsets[fence.start]]))
        inner_end = offsets[fence.end] if fence.end is not None else len(body)
        parts.append(("quiz", body[offsets[fence.start + 1]:inner_end]))
        position = offsets[fence.end + 1] if fence.end is not None else len(body)
    if position < len(body):
        parts.append(("markdown", body[position:]))
    return parts


def _link_targets(line: str) -> Iterable[str]:
    line = _INLINE_CODE_RE.sub(lambda m: " " * len(m.group(0)), line)
    for pattern in _LINK_RES:
        for match in pattern.finditer(line):
            yield next(g for g in match.groups() if g is not None)


def _asset_path(target: str) -> str | None:
    for prefix in _ASSET_PREFIXES:
        if target.startswith(prefix):
            return unquote(re.split(r"[?#]", target[len(prefix):], maxsplit=1)[0])
    return None


def _check_body(doc: _Document, asset_paths: frozenset[str]) -> list[tuple[int, str]]:
    """Check asset links (outside code) and report quiz fences; returns (inner first line, inner text) per quiz."""
    lines = doc.body.split("\n")
    in_code: set[int] = set()
    quizzes: list[tuple[int, str]] = []
    for fence in _scan_fences(lines):
        stop = fence.end if fence.end is not None else len(lines)
        in_code.update((fence.start, stop))
        if not fence.quiz:
            in_code.update(range(fence.start, stop))
            continue
        fence_line = doc.body_line + fence.start
        if fence.end is None:
            doc.error(fence_line, N_("quiz block is not closed: add a closing fence line (```) after the questions"))
        quizzes.append((fence_line + 1, "\n".join(lines[fence.start + 1:stop])))
    for index, line in enumerate(lines):
        if index in in_code:
            continue
        for target in _link_targets(line):
            asset = _asset_path(target)
            if asset is not None and asset not in asset_paths:
                doc.error(doc.body_line + index,
                          N_("asset not found: %(target)s (put the file in the course's assets/ folder or fix the link)"),
                          target=target)
    return quizzes


@dataclass
class _Question:
    prompt: str
    line: int
    options: list[QuizOption] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


def parse_quiz(block: str, *, path: str, first_line: int) -> tuple[list[QuizQuestion], list[SourceError]]:
    """Parse the inside of one quiz block; never raises, problems come back as errors."""
    drafts: list[_Question] = []
    errors: list[SourceError] = []
    for index, raw_line in enumerate(block.split("\n")):
        line, number = raw_line.strip(), first_line + index
        option = _OPTION_RE.match(line)
        if not line:
            continue
        if line == "?" or line.startswith("? "):
            drafts.append(_Question(line[1:].strip(), number))
            if not drafts[-1].prompt:
                errors.append(SourceError(path, number, N_("question text is empty: write the question after '? '")))
        elif option is not None and (option.group(2) == "" or option.group(2).startswith(" ")):
            text = option.group(2).strip()
            if not drafts:
                errors.append(SourceError(path, number, N_("option before any question: start the question with '? ' first")))
            elif not text:
                errors.append(SourceError(path, number, N_("option text is empty: write the answer after '- [ ] '")))
            else:
                drafts[-1].options.append(QuizOption(text, option.group(1) != " "))
        elif line.startswith(">"):
            if not drafts:
                errors.append(SourceError(
                    path, number, N_("explanation before any question: put '> ' lines after a question's options")))
            else:
                drafts[-1].explanation.append(line[1:].removeprefix(" "))
        else:
            errors.append(SourceError(path, number, N_("unexpected line in quiz block: start questions with '? ', options with '- [ ] ' or "
                                                     "'- [x] ', explanations with '> '")))
    for draft in drafts:
        if len(draft.options) < 2:
            errors.append(SourceError(path, draft.line, N_("question has %(n)d option(s): give at least two"),
                                      {"n": len(draft.options)}))
        elif not any(o.correct for o in draft.options):
            errors.append(SourceError(path, draft.line, N_("question has no correct option: mark the right answer(s) with '- [x] '")))
    questions = [
        QuizQuestion(d.prompt, tuple(d.options), "\n".join(d.explanation) if "".join(d.explanation).strip() else None, d.line)
        for d in drafts
    ]
    return questions, errors


def score(questions: Sequence[QuizQuestion], answers: Mapping[int, set[int]]) -> int:
    """Percent (rounded down) of questions whose chosen options are exactly the correct ones."""
    if not questions:
        return 100  # nothing to get wrong
    right = sum(
        set(answers.get(i, set())) == {j for j, o in enumerate(q.options) if o.correct}
        for i, q in enumerate(questions)
    )
    return right * 100 // len(questions)


# --- lessons ------------------------------------------------------------------------------------


def _lesson_from_text(
    text: str, *, path: str, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None
) -> tuple[LessonSource | None, _Document]:
    doc = _parse_document(text, path, _LESSON_SCHEMA, ("title",))
    quizzes = _check_body(doc, asset_paths)
    questions: list[QuizQuestion] = []
    for first_line, inner in quizzes:
        found, errors = parse_quiz(inner, path=path, first_line=first_line)
        if not found and not errors:
            doc.error(first_line - 1, N_("quiz block has no questions: add '? ' questions or remove the block"))
        questions.extend(found)
        doc.errors.extend(errors)
    values = doc.values
    kind = values.get("kind", "reading")
    if "kind" in doc.lines and "kind" not in values:
        kind = None  # already reported; skip the checks that depend on it
    if kind == "quiz" and not quizzes:
        doc.error(doc.line_of("kind"), N_("a lesson of kind quiz needs at least one ```quiz block"))
    if kind == "exercise" and "exercise" not in doc.lines:
        doc.error(doc.line_of("kind"), N_("a lesson of kind exercise needs 'exercise: <exercise slug>'"))
    if kind not in (None, "exercise") and "exercise" in values:
        doc.error(doc.line_of("exercise"), N_("'exercise' is only used with 'kind: exercise'"))
    exercise = values.get("exercise")
    if exercise is not None and exercise_slugs is not None and exercise not in exercise_slugs:
        doc.error(doc.line_of("exercise"), N_("unknown exercise %(value)s: no exercise with that slug exists"),
                  value=repr(exercise))
    if slug in values.get("aliases", ()):
        doc.error(doc.line_of("aliases"), N_("alias %(value)s is the lesson's own slug: remove it"), value=repr(slug))
    if doc.errors or kind is None:
        return None, doc
    lesson = LessonSource(
        slug=slug, position=position, path=path, title=values["title"], kind=kind,
        minutes=values.get("minutes"), required=values.get("required", True),
        pass_percent=values.get("pass_percent", 80), exercise=exercise,
        usecases=values.get("usecases", ()), aliases=values.get("aliases", ()),
        raw=text, body=doc.body, questions=tuple(questions), content_hash=_sha256(text.encode()),
    )
    return lesson, doc


def parse_lesson_text(
    text: str, *, path: str, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None = None
) -> LessonSource:
    """Validate a lesson edited in the browser exactly as sync would; raises CourseSourceError."""
    if _SURROGATE_RE.search(text):
        raise CourseSourceError([SourceError(path, 1, N_("text contains an invalid character (a lone surrogate)"))])
    refused = refused_characters(_normalise(text), path)
    if refused:
        raise CourseSourceError(refused)
    lesson, doc = _lesson_from_text(
        _normalise(text), path=path, slug=slug, position=position, asset_paths=asset_paths, exercise_slugs=exercise_slugs
    )
    if lesson is None:
        raise CourseSourceError(doc.errors)
    return lesson


# --- the folder tree ----------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_course_dirs(paths: Iterable[Path]) -> list[Path]:
    """Every folder at or below `paths` holding course.md; a course's own sub-folders are not searched."""
    found: set[Path] = set()
    for start in paths:
        if not start.is_dir():
            continue
        for folder, dirnames, _ in os.walk(start):
            if (Path(folder) / "course.md").is_file():
                found.add(Path(folder))
                dirnames.clear()  # assets/ may legitimately hold a file named course.md
            else:
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return sorted(found)


def _looks_like_course(folder: Path) -> bool:
    try:
        return any(
            (child.is_dir() and _MODULE_DIR_RE.match(child.name)) or child.name == "module.md"
            or (child.is_file() and _LESSON_FILE_RE.match(child.name))
            for child in folder.iterdir()
        )
    except OSError:
        return False


def folders_without_course_md(paths: Iterable[Path]) -> list[Path]:
    """Folders holding modules or lessons with no course.md at or above them: sync must name them, not skip them."""
    found: list[Path] = []
    for start in paths:
        if not start.is_dir():
            continue
        for folder, dirnames, _ in os.walk(start):
            here = Path(folder)
            if (here / "course.md").is_file():
                dirnames.clear()
            elif _looks_like_course(here):
                found.append(here)
                dirnames.clear()  # its module folders are part of the same mistake
            else:
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    return sorted(found)


class _Tree:
    """Reads one course folder, collecting errors and the bytes that feed the course hash."""

    def __init__(self, course_dir: Path, root: Path) -> None:
        self.course_dir, self.root = course_dir, root
        self.errors: list[SourceError] = []
        self.files: dict[str, bytes] = {}  # path relative to the course folder -> bytes

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def error(self, path: Path, line: int, message: str) -> None:
        self.errors.append(SourceError(self.rel(path), line, message))

    def entries(self, folder: Path) -> list[Path]:
        """Visible entries of a folder, sorted; symlinks are reported and left out."""
        try:
            children = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        except OSError as exc:
            self.error(folder, 1, f"cannot read folder: {exc.strerror}")
            return []
        for child in children:
            if child.is_symlink():
                self.error(child, 1, "symlinks are not allowed in a course folder: replace it with a real file or folder")
        return [c for c in children if not c.is_symlink()]

    def read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.error(path, 1, f"cannot read file: {exc.strerror}")
            return None
        self.files[path.relative_to(self.course_dir).as_posix()] = data
        return data

    def text(self, path: Path) -> str | None:
        data = self.read(path)
        if data is None:
            return None
        text, errors = _decode(data, self.rel(path))
        self.errors.extend(errors)
        return text

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for rel in sorted(self.files):
            data = self.files[rel]
            # Lengths keep the encoding unambiguous: no two different trees give the same stream.
            digest.update(b"%d:%s%d:" % (len(rel.encode()), rel.encode(), len(data)))
            digest.update(data)
        return digest.hexdigest()


def _load_assets(tree: _Tree, folder: Path) -> list[AssetSource]:
    assets: list[AssetSource] = []
    for entry in tree.entries(folder):
        if entry.is_dir():
            assets.extend(_load_assets(tree, entry))
            continue
        rel = entry.relative_to(tree.course_dir / "assets").as_posix()
        if not entry.is_file() or rel.startswith("/") or ".." in PurePosixPath(rel).parts:
            tree.error(entry, 1, "not a regular file inside assets/: remove it")
            continue
        data = tree.read(entry)
        if data is not None:
            assets.append(AssetSource(rel, data, _sha256(data)))
    return assets


def _load_module(
    tree: _Tree, folder: Path, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None
) -> ModuleSource:
    title, week, intro, raw = slug, position, "", None
    numbered: list[tuple[int, str, Path]] = []
    for entry in tree.entries(folder):
        if entry.name == "module.md" and entry.is_file():
            raw = tree.text(entry)
            if raw is not None:
                doc = _parse_document(raw, tree.rel(entry), _MODULE_SCHEMA, ("title",))
                _check_body(doc, asset_paths)
                tree.errors.extend(doc.errors)
                title, week, intro = doc.values.get("title", slug), doc.values.get("week", position), doc.body
        else:
            _add_numbered(tree, entry, _LESSON_FILE_RE if entry.is_file() else None, "lesson", numbered,
                          "in a module folder: only module.md and lesson files named NN-slug.md "
                          "(two or more digits, lowercase slug) belong here, e.g. 01-intro.md")
    owners: dict[str, str] = {}  # lesson slug -> file name, for duplicate and alias checks
    for _, lesson_slug, path in sorted(numbered):
        owners.setdefault(lesson_slug, path.name)
    lessons: list[LessonSource] = []
    aliased: dict[str, str] = {}  # alias -> file name of the first lesson listing it
    for _, lesson_slug, path in sorted(numbered):
        if owners[lesson_slug] != path.name:
            tree.error(path, 1, f"duplicate lesson slug {lesson_slug!r} in this module (also {owners[lesson_slug]}): rename one")
        text = tree.text(path)
        if text is None:
            continue
        lesson, doc = _lesson_from_text(
            text, path=tree.rel(path), slug=lesson_slug, position=len(lessons) + 1,
            asset_paths=asset_paths, exercise_slugs=exercise_slugs,
        )
        tree.errors.extend(doc.errors)
        for alias in doc.values.get("aliases", ()):
            if alias != lesson_slug and alias in owners:
                tree.error(path, doc.line_of("aliases"), f"alias {alias!r} is the slug of {owners[alias]} in this module")
            elif alias in aliased:
                tree.error(path, doc.line_of("aliases"), f"alias {alias!r} is also listed by {aliased[alias]} in this module")
            aliased.setdefault(alias, path.name)
        if lesson is not None and owners[lesson_slug] == path.name:
            lessons.append(lesson)
    return ModuleSource(slug, position, tree.rel(folder), title, week, intro, raw, tuple(lessons))


def _add_numbered(
    tree: _Tree, entry: Path, pattern: re.Pattern[str] | None, what: str, found: list[tuple[int, str, Path]], hint: str
) -> None:
    """Accept an NN-slug entry into `found`, or report it as unexpected."""
    match = pattern.match(entry.name) if pattern is not None else None
    if match is None:
        kind = "folder" if entry.is_dir() else "file"
        tree.error(entry, 1, f"unexpected {kind} {entry.name!r} {hint}")
    elif len(match.group(2)) > SLUG_MAX:
        tree.error(entry, 1, f"{what} slug {match.group(2)!r} is longer than {SLUG_MAX} characters")
    else:
        found.append((int(match.group(1)), match.group(2), entry))


def load_course(course_dir: Path, *, root: Path | None = None, exercise_slugs: frozenset[str] | None = None) -> CourseSource:
    """Read and validate one course folder; raises CourseSourceError listing every problem."""
    tree = _Tree(course_dir, course_dir.parent if root is None else root)
    slug = course_dir.name
    if not _is_slug(slug):
        tree.error(course_dir, 1, f"course folder name {slug!r} is not a slug: use lowercase letters, digits and "
                                  f"single dashes, at most {SLUG_MAX} characters")
    course_md = course_dir / "course.md"
    entries = tree.entries(course_dir)
    if not course_md.is_symlink() and not course_md.is_file():
        tree.error(course_md, 1, "missing course.md: every course folder needs one")
    assets_dir = course_dir / "assets"
    assets = _load_assets(tree, assets_dir) if assets_dir in entries and assets_dir.is_dir() else []
    asset_paths = frozenset(a.path for a in assets)

    numbered: list[tuple[int, str, Path]] = []
    for entry in entries:
        if (entry == course_md and entry.is_file()) or (entry == assets_dir and entry.is_dir()):
            continue
        _add_numbered(tree, entry, _MODULE_DIR_RE if entry.is_dir() else None, "module", numbered,
                      "in the course folder: only course.md, assets/ and module folders named NN-slug "
                      "(two or more digits, lowercase slug) belong here, e.g. 01-basics")
    modules: list[ModuleSource] = []
    seen: dict[str, str] = {}
    for _, module_slug, path in sorted(numbered):
        module = _load_module(tree, path, module_slug, len(modules) + 1, asset_paths, exercise_slugs)
        if module_slug in seen:
            tree.error(path, 1, f"duplicate module slug {module_slug!r} (also {seen[module_slug]}): rename one")
        else:
            seen[module_slug] = path.name
            modules.append(module)

    raw = tree.text(course_md) if course_md in entries and course_md.is_file() else None
    doc = _parse_document(raw, tree.rel(course_md), _COURSE_SCHEMA, ("title", "summary")) if raw is not None else None
    if doc is not None:
        _check_body(doc, asset_paths)
        tree.errors.extend(doc.errors)
    if tree.errors or doc is None or raw is None:
        raise CourseSourceError(tree.errors)
    values = doc.values
    return CourseSource(
        slug=slug, path=tree.rel(course_dir), title=values["title"], summary=values["summary"],
        industries=values.get("industries", ("all",)), level=values.get("level", "beginner"),
        language=values.get("language", "ja"), tags=values.get("tags", ()),
        audience=values.get("audience", "everyone"), overview=doc.body, raw=raw,
        modules=tuple(modules), assets=tuple(assets), content_hash=tree.content_hash(),
    )
