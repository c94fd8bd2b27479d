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
from typing import Iterable, Mapping, Sequence
from urllib.parse import unquote

from lms.core.frontmatter import (  # shared with the exercise parser; old private names kept for this module
    N_,
    SLUG_MAX,
    SURROGATE_RE as _SURROGATE_RE,
    Document as _Document,
    Schema as _Schema,
    SourceError,
    boolean as _boolean,
    choice as _choice,
    code_list as _code_list,
    decode as _decode,
    is_slug as _is_slug,
    normalise as _normalise,
    offsets as _offsets,
    parse_document as _parse_document,
    refused_characters,
    scan_fences as _scan_fences,
    slug_value as _slug,
    string_list as _string_list,
    text_value as _text,
    whole_number as _whole_number,
)
from lms.core.vocab import INDUSTRY_CODES
from lms.usecases.source import UNKNOWN_USECASE

LESSON_KINDS = ("reading", "quiz", "exercise", "workshop")
LEVELS = ("beginner", "intermediate", "advanced")
AUDIENCES = ("everyone", "executives")  # executives: shown to executives and company admins, not to employees
LANGUAGES = ("ja", "en")

_MODULE_DIR_RE = re.compile(r"^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
_LESSON_FILE_RE = re.compile(r"^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
_ASSET_PREFIXES = ("assets/", "./assets/", "../assets/", "../../assets/")
_INLINE_CODE_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_LINK_RES = (
    re.compile(r"\]\(\s*(?:<([^>\n]*)>|([^\s)]+))"),  # [text](target) and ![alt](target)
    re.compile(r"^ {0,3}\[[^\]]+\]:\s*(?:<([^>\n]*)>|(\S+))"),  # [ref]: target
    re.compile(r"""\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I),  # raw HTML
)
_OPTION_RE = re.compile(r"^- \[([ xX])\](.*)$")


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


_COURSE_SCHEMA: _Schema = {
    "title": _text, "summary": _text, "industries": _code_list(INDUSTRY_CODES),
    "level": _choice(LEVELS), "language": _choice(LANGUAGES), "tags": _string_list(), "audience": _choice(AUDIENCES),
}
_MODULE_SCHEMA: _Schema = {"title": _text, "week": _whole_number(1)}
_LESSON_SCHEMA: _Schema = {
    "title": _text, "kind": _choice(LESSON_KINDS), "minutes": _whole_number(1), "required": _boolean,
    "pass_percent": _whole_number(0, 100), "exercise": _slug, "usecases": _string_list(), "aliases": _string_list(_slug),
}


# --- body: fences, links, quizzes ---------------------------------------------------------------


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
    text: str, *, path: str, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None,
    usecase_ids: frozenset[str] | None = None,
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
    if usecase_ids is not None:
        for case_id in values.get("usecases", ()):
            if case_id not in usecase_ids:
                doc.error(doc.line_of("usecases"), UNKNOWN_USECASE, value=repr(case_id))
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
    text: str, *, path: str, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None = None,
    usecase_ids: frozenset[str] | None = None,
) -> LessonSource:
    """Validate a lesson edited in the browser exactly as sync would; raises CourseSourceError.

    `exercise_slugs` and `usecase_ids` are what the lesson may link to; None: not known, not checked.
    """
    if _SURROGATE_RE.search(text):
        raise CourseSourceError([SourceError(path, 1, N_("text contains an invalid character (a lone surrogate)"))])
    refused = refused_characters(_normalise(text), path)
    if refused:
        raise CourseSourceError(refused)
    lesson, doc = _lesson_from_text(
        _normalise(text), path=path, slug=slug, position=position, asset_paths=asset_paths, exercise_slugs=exercise_slugs,
        usecase_ids=usecase_ids,
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
    tree: _Tree, folder: Path, slug: str, position: int, asset_paths: frozenset[str], exercise_slugs: frozenset[str] | None,
    usecase_ids: frozenset[str] | None,
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
            asset_paths=asset_paths, exercise_slugs=exercise_slugs, usecase_ids=usecase_ids,
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


def load_course(
    course_dir: Path, *, root: Path | None = None, exercise_slugs: frozenset[str] | None = None,
    usecase_ids: frozenset[str] | None = None,
) -> CourseSource:
    """Read and validate one course folder; raises CourseSourceError listing every problem.

    Lessons' `exercise:` and `usecases:` are checked against `exercise_slugs` and `usecase_ids` (None: not checked).
    """
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
        module = _load_module(tree, path, module_slug, len(modules) + 1, asset_paths, exercise_slugs, usecase_ids)
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
