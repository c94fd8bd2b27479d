"""Front matter and line plumbing shared by the content parsers (courses, exercises).

Pure Python, no Flask. A Markdown source file starts with YAML front matter
between `---` lines; :func:`parse_document` splits it, validates every key
against a schema of checker functions and collects each problem as a
:class:`SourceError` with the file line a trainer must fix. Messages are
English templates marked with :func:`N_`, translated where a person reads them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from lms import textrule

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 64
SURROGATE_RE = re.compile("[\ud800-\udfff]")
FENCE_OPEN_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


class Template(str):
    """An English message template (a msgid): filled from params, translated where a person reads it."""


def N_(message: str) -> Template:
    """Mark a message template for extraction; the web layer shows it in the UI language."""
    return Template(message)


@dataclass(frozen=True)
class SourceError:
    path: str
    line: int
    message: str  # a Template filled from params, or final English text (folder-level errors the CLI prints)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def localized(self, translate: Callable[[str], str]) -> str:
        """The message through `translate` (a gettext), with its values filled in."""
        if isinstance(self.message, Template):
            return translate(str(self.message)) % self.params
        return self.message

    @property
    def text(self) -> str:
        return self.localized(str)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


class Invalid(Exception):
    """A front-matter value is wrong; the message says how to fix it."""

    def __init__(self, message: Template, **params: Any) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


def text_value(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(N_("%(key)s must be text (put it in quotes if it looks like a number, date or yes/no)"), key=key)
    if not value.strip():
        raise Invalid(N_("%(key)s must not be empty"), key=key)
    if SURROGATE_RE.search(value):  # YAML escapes like "\ud800" make text that cannot be stored
        raise Invalid(N_("%(key)s contains an escape for an invalid character (a lone surrogate)"), key=key)
    found = textrule.first_refused(value, multiline=True)
    if found is not None:  # YAML escapes like "\0" or "\u202e" make characters no text may hold
        raise Invalid(N_("%(key)s contains the character %(char)s, which no text may hold: remove it"),
                      key=key, char=found.code)
    return value.strip()


def whole_number(low: int, high: int | None = None) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        # bool is an int in Python, but "minutes: yes" is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            if high is None:
                raise Invalid(N_("%(key)s must be a whole number of %(low)d or more, not %(value)s"),
                              key=key, low=low, value=repr(value))
            raise Invalid(N_("%(key)s must be a whole number from %(low)d to %(high)d, not %(value)s"),
                          key=key, low=low, high=high, value=repr(value))
        return value
    return check


def boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(N_("%(key)s must be true or false, not %(value)s"), key=key, value=repr(value))
    return value


def is_slug(value: str) -> bool:
    return len(value) <= SLUG_MAX and SLUG_RE.fullmatch(value) is not None


def slug_value(key: str, value: Any) -> str:
    if not isinstance(value, str) or not is_slug(value):
        raise Invalid(N_("%(key)s must be a slug (lowercase letters, digits and single dashes, at most 64), not %(value)s"),
                      key=key, value=repr(value))
    return value


def choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise Invalid(N_("unknown %(key)s %(value)s; use one of: %(options)s"),
                          key=key, value=repr(value), options=", ".join(options))
        return value
    return check


def string_list(item: Callable[[str, Any], str] | None = None) -> Callable[[str, Any], tuple[str, ...]]:
    def check(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise Invalid(N_("%(key)s must be a list of text items, like [a, b] (quote items that look like numbers)"), key=key)
        items = tuple(item(key, v) if item else text_value(key, v) for v in value)
        duplicates = sorted({v for v in items if items.count(v) > 1})
        if duplicates:
            raise Invalid(N_("%(key)s lists %(items)s more than once"), key=key, items=", ".join(map(repr, duplicates)))
        return items
    return check


def code_list(options: tuple[str, ...]) -> Callable[[str, Any], tuple[str, ...]]:
    def check(key: str, value: Any) -> tuple[str, ...]:
        items = string_list()(key, value)
        bad = [v for v in items if v not in options]
        if bad:
            raise Invalid(N_("unknown %(key)s code %(value)s; use any of: %(options)s"),
                          key=key, value=repr(bad[0]), options=", ".join(options))
        if not items:
            raise Invalid(N_("%(key)s must list at least one code (leave the key out to mean [all])"), key=key)
        return items
    return check


Schema = dict[str, Callable[[str, Any], Any]]  # front-matter key -> checker(key, value) returning the clean value


@dataclass
class Document:
    """One Markdown file split into validated front matter and body."""

    path: str
    raw: str
    values: dict[str, Any] = field(default_factory=dict)  # only keys that were present and valid
    lines: dict[str, int] = field(default_factory=dict)  # key -> file line
    nodes: dict[str, yaml.Node] = field(default_factory=dict)  # key -> its YAML value node, for nested line numbers
    body: str = ""
    body_line: int = 1  # file line of the body's first line
    errors: list[SourceError] = field(default_factory=list)

    def error(self, line: int, message: str, **params: Any) -> None:
        self.errors.append(SourceError(self.path, line, message, params))

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def decode(data: bytes, path: str) -> tuple[str | None, list[SourceError]]:
    """The file's text (UTF-8, normalised), or None with errors naming the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = N_("file is not UTF-8 (byte 0x%(byte)02X at byte %(column)d of this line): save it as UTF-8")
        return None, [SourceError(path, line, message, {"byte": data[exc.start], "column": column})]
    text = normalise(text)
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


def normalise(text: str) -> str:
    """Without a leading BOM, with every line break as LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_document(text: str, path: str, schema: Schema, required: tuple[str, ...]) -> Document:
    """Split `text` (normalised) into front matter, validated against `schema`, and body; never raises."""
    doc = Document(path, text)
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
    if read_front_matter(doc, "\n".join(lines[1:end]), schema):
        for key in required:
            if key not in doc.lines:
                doc.error(1, N_("missing required key '%(key)s' in the front matter"), key=key)
    return doc


def yaml_line(exc: yaml.YAMLError, source: str) -> int:
    # Front matter starts on file line 2; PyYAML counts lines from 0.
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 2
    position = getattr(exc, "position", None)  # ReaderError (forbidden characters) has no mark
    return source[:position].count("\n") + 2 if isinstance(position, int) else 1


_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)  # libyaml: the same nodes and marks, several times faster


def _compose(source: str) -> tuple[Any, yaml.Node | None]:
    """(loader, root node) of `source`: through libyaml when it reads the text, else (and for every error message)
    through PyYAML's own SafeLoader, so messages and line numbers do not depend on libyaml being installed."""
    if _FAST_LOADER is not None:
        fast = _FAST_LOADER(source)
        try:
            return fast, fast.get_single_node()
        except (yaml.YAMLError, RecursionError):
            fast.dispose()
    loader = yaml.SafeLoader(source)  # checks for forbidden characters already
    return loader, loader.get_single_node()


def read_front_matter(doc: Document, source: str, schema: Schema) -> bool:
    """Fill doc.values and doc.lines; False when the YAML could not be read as a mapping at all."""
    loader: yaml.SafeLoader | None = None
    try:
        loader, node = _compose(source)
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
                doc.nodes[key] = value_node
                check_value(doc, loader, key, value_node, schema[key], line)
        return True
    except yaml.reader.ReaderError as exc:
        doc.error(yaml_line(exc, source), N_("front matter contains the character %(char)s, which YAML does not allow: "
                                             "remove it"), char=f"U+{exc.character:04X}")
    except yaml.YAMLError as exc:
        doc.error(yaml_line(exc, source), N_("invalid YAML in front matter: %(problem)s"),
                  problem=str(getattr(exc, "problem", None) or exc))
    except RecursionError:
        doc.error(1, N_("invalid YAML in front matter: nested too deeply"))
    finally:
        if loader is not None:
            loader.dispose()
    return False


def check_value(
    doc: Document, loader: yaml.SafeLoader, key: str, node: yaml.Node, check: Callable[[str, Any], Any], line: int
) -> None:
    try:
        value = loader.construct_object(node, deep=True)
        doc.values[key] = check(key, value)
    except Invalid as exc:
        doc.error(line, exc.message, **exc.params)
    except yaml.MarkedYAMLError as exc:  # e.g. an unknown !!tag
        doc.error(line, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc.problem))
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date like 2024-02-30
        doc.error(line, N_("invalid value for %(key)s: %(problem)s"), key=key, problem=str(exc))


# --- fenced blocks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fence:
    start: int  # index of the opening fence line
    end: int | None  # index of the closing fence line, None when never closed
    info: str  # the info string after the opening marker, e.g. "text" or "quiz"

    @property
    def quiz(self) -> bool:
        return self.info == "quiz"


def scan_fences(lines: Sequence[str]) -> list[Fence]:
    """Every fenced code block of a Markdown body (given as lines), in order."""
    fences: list[Fence] = []
    i = 0
    while i < len(lines):
        match = FENCE_OPEN_RE.match(lines[i])
        if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
            i += 1
            continue
        marker = match.group(1)
        close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        fences.append(Fence(i, end, match.group(2).strip()))
        i = len(lines) if end is None else end + 1
    return fences


def offsets(lines: Sequence[str]) -> list[int]:
    """Start offset of each line in the joined text, plus one past the end."""
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    return offsets


def relative_path(path: Path, root: Path) -> str:
    """`path` as shown in errors: relative to `root` when inside it, else as given."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def flat_markdown_files(folder: Path, *, not_flat: str, not_markdown: str) -> tuple[list[Path], list[SourceError]]:
    """The `*.md` files of a flat content folder (README.md left out), and an error for anything else in it.

    `not_flat` and `not_markdown` are the messages for a subfolder or link and for a file of another kind.
    """
    files: list[Path] = []
    errors: list[SourceError] = []
    try:
        children = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        return [], [SourceError(folder.as_posix(), 1, f"cannot read folder: {exc.strerror}")]
    for child in children:
        shown = relative_path(child, folder.parent)
        if child.name == "README.md":
            continue
        if child.is_symlink() or not child.is_file():
            errors.append(SourceError(shown, 1, not_flat))
        elif not child.name.endswith(".md"):
            errors.append(SourceError(shown, 1, not_markdown))
        else:
            files.append(child)
    return files, errors
