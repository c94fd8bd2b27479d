"""Tests for lms.courses.source, the course-format parser (pure Python, no Flask app needed).

The format is /work/shared/spec/course-format.md. Each test builds a small
course tree in tmp_path and checks what loads, or the exact
"path:line: message" of every error a trainer would see.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import textwrap
from pathlib import Path
from typing import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.courses.source import (
    INDUSTRY_CODES,
    LESSON_KINDS,
    CourseSource,
    CourseSourceError,
    QuizOption,
    QuizQuestion,
    find_course_dirs,
    load_course,
    parse_lesson_text,
    parse_quiz,
    score,
    split_quiz_blocks,
)
from tests.conftest import shared_path

REAL_COURSES = Path(__file__).resolve().parents[1] / "courses"

COURSE_MD = """\
---
title: デモコース
summary: 一行の説明
---

概要です。
"""

LESSON_MD = """\
---
title: はじめに
minutes: 5
---

本文です。
"""

SPEC_QUIZ = """\
? 生成AIに入力してはいけない情報はどれですか。
- [ ] 公開済みの製品カタログ
- [x] 顧客の氏名と電話番号
- [ ] 社外秘ではない会議の議題
> 個人情報は、社内で認められたツールと手順以外では入力しません。

? 出力をそのまま使う前に確認すべきことを全て選んでください。
- [x] 数字や固有名詞が正しいか
- [x] 社外秘の情報が含まれていないか
- [ ] 文字数が多すぎないか
"""


def make_course(root: Path, files: Mapping[str, str | bytes | None], slug: str = "demo") -> Path:
    """Write a course folder: course.md and one lesson by default; None removes a default file."""
    course = root / slug
    tree: dict[str, str | bytes | None] = {"course.md": COURSE_MD, "01-basics/01-intro.md": LESSON_MD, **files}
    for rel, content in tree.items():
        if content is None:
            continue
        path = course / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return course


def lesson(front: str, body: str = "本文です。\n") -> str:
    """Lesson text from front-matter lines (after dedent) and a body."""
    return f"---\n{textwrap.dedent(front).strip()}\n---\n\n{body}"


def errors_of(course: Path, **kwargs: object) -> list[str]:
    with pytest.raises(CourseSourceError) as info:
        load_course(course, **kwargs)  # type: ignore[arg-type]
    return [str(e) for e in info.value.errors]


def lesson_errors(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(CourseSourceError) as info:
        parse_lesson_text(text, path="c/01-m/01-l.md", slug="l", position=1, asset_paths=frozenset(), **kwargs)  # type: ignore[arg-type]
    return [str(e) for e in info.value.errors]


def quiz_lesson(block: str, fence: str = "```") -> str:
    # Line 1-4 front matter, 5 blank, 6 opening fence: the block's first line is line 7.
    return f"---\ntitle: 確認\nkind: quiz\n---\n\n{fence}quiz\n{block}{fence}\n"


# --- loading a valid course ---------------------------------------------------------------------


def test_minimal_course_loads_with_the_spec_defaults(tmp_path: Path) -> None:
    course = load_course(make_course(tmp_path, {}))

    assert (course.slug, course.path, course.title, course.summary) == ("demo", "demo", "デモコース", "一行の説明")
    assert (course.industries, course.level, course.language, course.tags) == (("all",), "beginner", "ja", ())
    [module] = course.modules
    assert (module.slug, module.position, module.path, module.title, module.week, module.raw) == (
        "basics", 1, "demo/01-basics", "basics", 1, None)
    [only] = module.lessons
    assert (only.slug, only.position, only.path, only.title, only.kind, only.minutes) == (
        "intro", 1, "demo/01-basics/01-intro.md", "はじめに", "reading", 5)
    assert (only.required, only.pass_percent, only.exercise, only.usecases, only.aliases) == (True, 80, None, (), ())


def test_course_front_matter_keys_are_read(tmp_path: Path) -> None:
    course_md = """\
        ---
        title: 建設業向け
        summary: 現場の書類
        industries: [construction, real_estate]
        level: advanced
        language: en
        tags: [生成AI, "2025"]
        ---
        """
    course = load_course(make_course(tmp_path, {"course.md": course_md}))

    assert (course.industries, course.level, course.language, course.tags) == (
        ("construction", "real_estate"), "advanced", "en", ("生成AI", "2025"))


def test_lesson_front_matter_keys_are_read(tmp_path: Path) -> None:
    text = lesson("""
        title: 演習
        kind: exercise
        minutes: 15
        required: false
        pass_percent: 60
        exercise: owabi-mail
        usecases: [uc-001, uc-002]
        aliases: [old-name]
        """)
    course = load_course(make_course(tmp_path, {"01-basics/01-intro.md": text}), exercise_slugs=frozenset({"owabi-mail"}))

    got = course.modules[0].lessons[0]
    assert (got.kind, got.minutes, got.required, got.pass_percent) == ("exercise", 15, False, 60)
    assert (got.exercise, got.usecases, got.aliases) == ("owabi-mail", ("uc-001", "uc-002"), ("old-name",))


def test_numbers_order_modules_and_lessons_but_are_not_part_of_the_slug(tmp_path: Path) -> None:
    files = {"01-basics/01-intro.md": None, "10-later/01-b.md": LESSON_MD, "02-first/10-z.md": LESSON_MD,
             "02-first/09-y.md": LESSON_MD}
    course = load_course(make_course(tmp_path, files))

    assert [(m.slug, m.position) for m in course.modules] == [("first", 1), ("later", 2)]
    assert [(les.slug, les.position) for les in course.modules[0].lessons] == [("y", 1), ("z", 2)]


def test_week_defaults_to_the_module_position_not_its_folder_number(tmp_path: Path) -> None:
    files = {"01-basics/01-intro.md": None, "05-a/01-x.md": LESSON_MD, "09-b/01-x.md": LESSON_MD}
    course = load_course(make_course(tmp_path, files))

    assert [m.week for m in course.modules] == [1, 2]


def test_module_md_gives_title_week_intro_and_raw(tmp_path: Path) -> None:
    module_md = "---\ntitle: 基本\nweek: 3\n---\n\n導入文\n"
    course = load_course(make_course(tmp_path, {"01-basics/module.md": module_md}))

    module = course.modules[0]
    assert (module.title, module.week, module.intro, module.raw) == ("基本", 3, "\n導入文\n", module_md)


def test_raw_is_the_whole_file_and_body_is_what_follows_the_front_matter(tmp_path: Path) -> None:
    course = load_course(make_course(tmp_path, {}))

    got = course.modules[0].lessons[0]
    assert got.raw == LESSON_MD
    assert got.body == "\n本文です。\n"
    assert got.content_hash == hashlib.sha256(LESSON_MD.encode()).hexdigest()
    assert course.raw == COURSE_MD and course.overview == "\n概要です。\n"


def test_error_paths_are_relative_to_the_given_root(tmp_path: Path) -> None:
    course_dir = make_course(tmp_path / "repo" / "courses", {"01-basics/01-intro.md": "no front matter\n"})

    assert errors_of(course_dir, root=tmp_path / "repo") == [
        "courses/demo/01-basics/01-intro.md:1: missing front matter: the file must start with a '---' line, "
        "then 'title: ...', then '---'"
    ]


def test_assets_are_loaded_recursively_as_bytes_and_hidden_files_skipped(tmp_path: Path) -> None:
    files = {"assets/flow.png": b"\x89PNG", "assets/sheets/a b.csv": b"x,y\n", "assets/.DS_Store": b"junk",
             "assets/.git/config": b"junk"}
    course = load_course(make_course(tmp_path, files))

    assert [(a.path, a.data) for a in course.assets] == [("flow.png", b"\x89PNG"), ("sheets/a b.csv", b"x,y\n")]
    assert course.assets[0].content_hash == hashlib.sha256(b"\x89PNG").hexdigest()


def test_hidden_files_and_folders_in_the_tree_are_ignored(tmp_path: Path) -> None:
    course = load_course(make_course(tmp_path, {".git/HEAD": "ref", "01-basics/.notes.md": "x", ".editorconfig": "x"}))

    assert [les.slug for m in course.modules for les in m.lessons] == ["intro"]


def test_crlf_and_bom_files_parse_like_plain_lf_files(tmp_path: Path) -> None:
    crlf = ("\ufeff" + LESSON_MD).replace("\n", "\r\n").encode("utf-8")
    course = load_course(make_course(tmp_path, {"01-basics/01-intro.md": crlf, "course.md": b"\xef\xbb\xbf" + COURSE_MD.encode()}))

    got = course.modules[0].lessons[0]
    assert (got.title, got.minutes, got.raw) == ("はじめに", 5, LESSON_MD)
    assert got.content_hash == hashlib.sha256(LESSON_MD.encode()).hexdigest()
    assert course.title == "デモコース"


def test_find_course_dirs_finds_every_course_folder_below_the_paths(tmp_path: Path) -> None:
    b = make_course(tmp_path / "courses", {}, slug="b")
    a = make_course(tmp_path / "courses" / "group", {"assets/example/course.md": COURSE_MD}, slug="a")
    make_course(tmp_path / "courses" / ".hidden", {}, slug="c")

    assert find_course_dirs([tmp_path / "courses"]) == sorted([a, b])
    assert find_course_dirs([b, tmp_path / "courses"]) == sorted([a, b])
    assert find_course_dirs([tmp_path / "missing"]) == []


# --- front matter errors ------------------------------------------------------------------------


def test_missing_front_matter_is_an_error_at_line_1(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "# はじめに\n"})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:1: missing front matter: the file must start with a '---' line, "
        "then 'title: ...', then '---'"
    ]


def test_unclosed_front_matter_is_an_error_at_line_1(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "---\ntitle: x\n\n本文\n"})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:1: front matter is not closed: add a '---' line after the front matter"
    ]


def test_invalid_yaml_is_reported_at_its_file_line(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "---\ntitle: x\nminutes: [5\n---\n"})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:3: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'"
    ]


def test_yaml_mapping_error_points_at_the_offending_line(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "---\ntitle: x\nminutes: 5\nnote: a: b\n---\n"})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:4: invalid YAML in front matter: mapping values are not allowed here"
    ]


def test_front_matter_must_be_a_mapping(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "---\n- title\n---\n"})

    assert errors_of(course) == ["demo/01-basics/01-intro.md:1: front matter must be 'key: value' lines (a YAML mapping)"]


def test_unknown_key_is_reported_at_its_line_with_the_allowed_keys(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: x\nminuts: 5")})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:3: unknown key 'minuts'; allowed keys: title, kind, minutes, required, "
        "pass_percent, exercise, usecases, aliases"
    ]


def test_unknown_course_key_lists_the_course_keys(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"course.md": "---\ntitle: x\nsummary: y\nindustry: [it]\n---\n"})

    assert errors_of(course) == [
        "demo/course.md:4: unknown key 'industry'; allowed keys: title, summary, industries, level, language, tags, audience"
    ]


def test_missing_title_is_an_error_at_line_1(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("minutes: 5")})

    assert errors_of(course) == ["demo/01-basics/01-intro.md:1: missing required key 'title' in the front matter"]


def test_course_md_requires_title_and_summary(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"course.md": "---\nlevel: beginner\n---\n"})

    assert errors_of(course) == [
        "demo/course.md:1: missing required key 'title' in the front matter",
        "demo/course.md:1: missing required key 'summary' in the front matter",
    ]


def test_module_md_requires_a_title(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/module.md": "---\nweek: 2\n---\n"})

    assert errors_of(course) == ["demo/01-basics/module.md:1: missing required key 'title' in the front matter"]


def test_a_key_given_twice_is_an_error_on_the_second(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: a\nminutes: 5\ntitle: b")})

    assert errors_of(course) == ["demo/01-basics/01-intro.md:4: duplicate key 'title' (already set on line 2)"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("title: 2025", "title must be text (put it in quotes if it looks like a number, date or yes/no)"),
        ("title: ''", "title must not be empty"),
        ("minutes: 0", "minutes must be a whole number of 1 or more, not 0"),
        ("minutes: '10'", "minutes must be a whole number of 1 or more, not '10'"),
        ("minutes: true", "minutes must be a whole number of 1 or more, not True"),
        ("required: 'no'", "required must be true or false, not 'no'"),
        ("pass_percent: 101", "pass_percent must be a whole number from 0 to 100, not 101"),
        ("pass_percent: 79.5", "pass_percent must be a whole number from 0 to 100, not 79.5"),
        ("usecases: uc-1", "usecases must be a list of text items, like [a, b] (quote items that look like numbers)"),
        ("usecases: [1, 2]", "usecases must be a list of text items, like [a, b] (quote items that look like numbers)"),
        ("aliases: [Old_Name]", "aliases must be a slug (lowercase letters, digits and single dashes, at most 64), not 'Old_Name'"),
        ("aliases: [old, old]", "aliases lists 'old' more than once"),
        ("kind: lecture", "unknown kind 'lecture'; use one of: reading, quiz, exercise, workshop"),
        ("minutes: 2024-02-30", "invalid value for minutes: day is out of range for month"),
    ],
)
def test_a_wrong_lesson_value_is_reported_at_its_key_line(line: str, message: str) -> None:
    text = lesson(f"title: x\n{line}") if not line.startswith("title") else lesson(line)
    key_line = 2 if line.startswith("title") else 3

    assert lesson_errors(text) == [f"c/01-m/01-l.md:{key_line}: {message}"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("industries: [it, farming]", "unknown industries code 'farming'; use any of: " + ", ".join(INDUSTRY_CODES)),
        ("industries: []", "industries must list at least one code (leave the key out to mean [all])"),
        ("level: expert", "unknown level 'expert'; use one of: beginner, intermediate, advanced"),
        ("language: jp", "unknown language 'jp'; use one of: ja, en"),
        ("tags: AI", "tags must be a list of text items, like [a, b] (quote items that look like numbers)"),
    ],
)
def test_a_wrong_course_value_is_reported_at_its_key_line(tmp_path: Path, line: str, message: str) -> None:
    course = make_course(tmp_path, {"course.md": f"---\ntitle: x\nsummary: y\n{line}\n---\n"})

    assert errors_of(course) == [f"demo/course.md:4: {message}"]


def test_week_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/module.md": "---\ntitle: x\nweek: 0\n---\n"})

    assert errors_of(course) == ["demo/01-basics/module.md:3: week must be a whole number of 1 or more, not 0"]


def test_kind_exercise_needs_an_exercise(tmp_path: Path) -> None:
    assert lesson_errors(lesson("title: x\nkind: exercise")) == [
        "c/01-m/01-l.md:3: a lesson of kind exercise needs 'exercise: <exercise slug>'"
    ]


def test_exercise_must_name_a_known_exercise_when_the_catalog_is_given() -> None:
    text = lesson("title: x\nkind: exercise\nexercise: nai")

    assert lesson_errors(text, exercise_slugs=frozenset({"aru"})) == [
        "c/01-m/01-l.md:4: unknown exercise 'nai': no exercise with that slug exists"
    ]


def test_any_exercise_slug_is_accepted_when_no_catalog_is_given() -> None:
    got = parse_lesson_text(lesson("title: x\nkind: exercise\nexercise: nai"), path="p", slug="l", position=1,
                            asset_paths=frozenset())

    assert got.exercise == "nai"


def test_exercise_on_another_kind_is_an_error() -> None:
    assert lesson_errors(lesson("title: x\nkind: reading\nexercise: aru")) == [
        "c/01-m/01-l.md:4: 'exercise' is only used with 'kind: exercise'"
    ]


def test_every_lesson_kind_of_the_spec_is_accepted() -> None:
    kinds = []
    for kind in LESSON_KINDS:
        extra = {"quiz": "", "exercise": "\nexercise: e"}.get(kind, "")
        body = f"```quiz\n{SPEC_QUIZ}```\n" if kind == "quiz" else "本文\n"
        kinds.append(parse_lesson_text(lesson(f"title: x\nkind: {kind}{extra}", body), path="p", slug="l",
                                       position=1, asset_paths=frozenset()).kind)

    assert tuple(kinds) == LESSON_KINDS


def test_file_that_is_not_utf8_is_an_error_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": LESSON_MD.encode("shift_jis")})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:2: file is not UTF-8 (byte 0x82 at byte 8 of this line): save it as UTF-8"
    ]


def test_invalid_utf8_deep_in_a_file_is_reported_at_its_real_line(tmp_path: Path) -> None:
    text = LESSON_MD.encode() + b"\n".join(["段落です。".encode()] * 6) + b"\nok \xff\xfe here\n"
    course = make_course(tmp_path, {"01-basics/01-intro.md": text})
    line = text[:text.index(b"\xff")].count(b"\n") + 1

    assert line > 8 and errors_of(course) == [
        f"demo/01-basics/01-intro.md:{line}: file is not UTF-8 (byte 0xFF at byte 4 of this line): save it as UTF-8"
    ]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\u202e", "\u2028", "\x85"])
def test_a_control_character_anywhere_in_a_lesson_is_an_error_at_its_line(tmp_path: Path, char: str) -> None:
    body = f"本文です。\n\n二段落目{char}です。\n"
    course = make_course(tmp_path, {"01-basics/01-intro.md": f"---\ntitle: x\n---\n\n{body}"})

    with pytest.raises(CourseSourceError) as info:
        load_course(course)
    (error,) = info.value.errors
    assert (error.path, error.line) == ("demo/01-basics/01-intro.md", 7)
    assert f"U+{ord(char):04X}" in error.text and "remove it" in error.text


def test_the_browser_editor_refuses_control_characters_as_sync_does() -> None:
    errors = lesson_errors("---\ntitle: x\n---\n\nok\n\x00\nfine\n\u202eevil\n")

    assert errors == [
        "c/01-m/01-l.md:6: this line contains the character U+0000 (NUL), which no text may hold: remove it",
        "c/01-m/01-l.md:8: this line contains the character U+202E (RLO), which no text may hold: remove it",
    ]


def test_a_yaml_escape_cannot_smuggle_a_control_character_into_a_title() -> None:
    assert lesson_errors('---\ntitle: "a\\0b"\n---\n') == [
        "c/01-m/01-l.md:2: title contains the character U+0000 (NUL), which no text may hold: remove it"
    ]


# --- the folder tree ----------------------------------------------------------------------------


def test_course_folder_name_must_be_a_slug(tmp_path: Path) -> None:
    course = make_course(tmp_path, {}, slug="AI_Kiso")

    assert errors_of(course) == [
        "AI_Kiso:1: course folder name 'AI_Kiso' is not a slug: use lowercase letters, digits and single dashes, "
        "at most 64 characters"
    ]


def test_a_folder_without_course_md_is_an_error(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"course.md": None})

    assert errors_of(course) == ["demo/course.md:1: missing course.md: every course folder needs one"]


def test_badly_named_module_folder_is_unexpected(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"1-basics/01-intro.md": LESSON_MD})

    assert errors_of(course) == [
        "demo/1-basics:1: unexpected folder '1-basics' in the course folder: only course.md, assets/ and module "
        "folders named NN-slug (two or more digits, lowercase slug) belong here, e.g. 01-basics"
    ]


def test_stray_file_in_the_course_folder_is_unexpected(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"README.md": "# x\n"})

    assert errors_of(course) == [
        "demo/README.md:1: unexpected file 'README.md' in the course folder: only course.md, assets/ and module "
        "folders named NN-slug (two or more digits, lowercase slug) belong here, e.g. 01-basics"
    ]


@pytest.mark.parametrize("name", ["01-Intro.md", "1-intro.md", "01-intro.txt", "01_intro.md", "notes.md"])
def test_badly_named_lesson_file_is_unexpected(tmp_path: Path, name: str) -> None:
    course = make_course(tmp_path, {f"01-basics/{name}": LESSON_MD})

    assert errors_of(course) == [
        f"demo/01-basics/{name}:1: unexpected file '{name}' in a module folder: only module.md and lesson files "
        "named NN-slug.md (two or more digits, lowercase slug) belong here, e.g. 01-intro.md"
    ]


def test_folder_inside_a_module_is_unexpected(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/images/a.png": b"x"})

    assert errors_of(course)[0].startswith("demo/01-basics/images:1: unexpected folder 'images' in a module folder")


def test_slug_longer_than_64_characters_is_refused(tmp_path: Path) -> None:
    long = "a" * 65
    course = make_course(tmp_path, {f"01-basics/01-{long}.md": LESSON_MD})

    assert errors_of(course) == [f"demo/01-basics/01-{long}.md:1: lesson slug '{long}' is longer than 64 characters"]


def test_duplicate_module_slug_is_an_error_on_the_second(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"02-basics/01-intro.md": LESSON_MD})

    assert errors_of(course) == ["demo/02-basics:1: duplicate module slug 'basics' (also 01-basics): rename one"]


def test_duplicate_lesson_slug_is_an_error_on_the_second(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/05-intro.md": LESSON_MD})

    assert errors_of(course) == [
        "demo/01-basics/05-intro.md:1: duplicate lesson slug 'intro' in this module (also 01-intro.md): rename one"
    ]


def test_alias_naming_another_lesson_of_the_module_is_an_error(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/02-next.md": lesson("title: x\naliases: [intro]")})

    assert errors_of(course) == ["demo/01-basics/02-next.md:3: alias 'intro' is the slug of 01-intro.md in this module"]


def test_alias_listed_by_two_lessons_is_an_error_on_the_second(tmp_path: Path) -> None:
    files = {"01-basics/01-intro.md": lesson("title: x\naliases: [old]"),
             "01-basics/02-next.md": lesson("title: y\nminutes: 3\naliases: [old]")}

    assert errors_of(make_course(tmp_path, files)) == [
        "demo/01-basics/02-next.md:4: alias 'old' is also listed by 01-intro.md in this module"
    ]


def test_alias_equal_to_the_lessons_own_slug_is_an_error(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: x\naliases: [intro]")})

    assert errors_of(course) == ["demo/01-basics/01-intro.md:3: alias 'intro' is the lesson's own slug: remove it"]


def test_the_same_alias_in_two_modules_is_allowed(tmp_path: Path) -> None:
    files = {"01-basics/02-a.md": lesson("title: x\naliases: [old]"), "02-more/01-b.md": lesson("title: y\naliases: [old]")}

    assert len(load_course(make_course(tmp_path, files)).modules) == 2


def test_symlinks_are_refused(tmp_path: Path) -> None:
    course = make_course(tmp_path, {})
    (tmp_path / "secret.txt").write_text("x")
    (course / "assets").mkdir()
    (course / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    (course / "02-linked").symlink_to(course / "01-basics")

    assert errors_of(course) == [
        "demo/02-linked:1: symlinks are not allowed in a course folder: replace it with a real file or folder",
        "demo/assets/link.txt:1: symlinks are not allowed in a course folder: replace it with a real file or folder",
    ]


def test_every_error_of_the_course_is_collected_and_sorted(tmp_path: Path) -> None:
    files = {
        "course.md": "---\ntitle: x\n---\n",
        "01-basics/01-intro.md": lesson("title: x\nminutes: -1\nkind: lecture"),
        "01-basics/02-b.md": "no front matter",
        "stray.txt": "x",
    }

    assert [e.split(": ")[0] for e in errors_of(make_course(tmp_path, files))] == [
        "demo/01-basics/01-intro.md:3", "demo/01-basics/01-intro.md:4", "demo/01-basics/02-b.md:1",
        "demo/course.md:1", "demo/stray.txt:1",
    ]


# --- links to assets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["[表](assets/sheets/a%20b.csv)", "![図](./assets/flow.png)", "[x](../assets/flow.png#top)",
     '[x](../../assets/flow.png "title")', '<img src="assets/flow.png" alt="">', "<a href='assets/flow.png'>x</a>",
     "[ref]: assets/flow.png", "[x](https://example.com/assets/nothing.png)"],
)
def test_links_to_existing_assets_pass(tmp_path: Path, link: str) -> None:
    files: dict[str, str | bytes | None] = {
        "assets/flow.png": b"png", "assets/sheets/a b.csv": b"csv", "01-basics/01-intro.md": lesson("title: x", f"{link}\n"),
    }

    assert load_course(make_course(tmp_path, files)).slug == "demo"


def test_link_to_a_missing_asset_is_an_error_at_its_line(tmp_path: Path) -> None:
    body = "一行目\n\n![図](assets/nai.png) と [表](./assets/hyo.csv)\n"
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: x", body)})

    # Front matter lines 1-3, blank line 4, body from line 5.
    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:7: asset not found: assets/nai.png (put the file in the course's assets/ folder or fix the link)",
        "demo/01-basics/01-intro.md:7: asset not found: ./assets/hyo.csv (put the file in the course's assets/ folder or fix the link)",
    ]


def test_html_src_to_a_missing_asset_is_an_error(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: x", '<img src="assets/nai.png">\n')})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:5: asset not found: assets/nai.png (put the file in the course's assets/ folder or fix the link)"
    ]


def test_links_in_course_md_and_module_md_are_checked_too(tmp_path: Path) -> None:
    files = {"course.md": COURSE_MD + "![x](assets/a.png)\n", "01-basics/module.md": "---\ntitle: m\n---\n[x](../assets/b.png)\n"}

    assert [e.split(": asset")[0] for e in errors_of(make_course(tmp_path, files))] == [
        "demo/01-basics/module.md:4", "demo/course.md:7"]


def test_links_inside_code_are_not_checked(tmp_path: Path) -> None:
    body = "`![x](assets/a.png)` と ``[y](assets/b.png)``\n\n```markdown\n![x](assets/c.png)\n```\n\n~~~~\n[z](assets/d.png)\n~~~~\n"

    assert load_course(make_course(tmp_path, {"01-basics/01-intro.md": lesson("title: x", body)})).slug == "demo"


def test_links_inside_quiz_blocks_are_checked(tmp_path: Path) -> None:
    block = "? ![図](assets/nai.png) は何ですか\n- [x] a\n- [ ] b\n"
    course = make_course(tmp_path, {"01-basics/01-intro.md": quiz_lesson(block)})

    assert errors_of(course) == [
        "demo/01-basics/01-intro.md:7: asset not found: assets/nai.png (put the file in the course's assets/ folder or fix the link)"
    ]


def test_parse_lesson_text_checks_links_against_the_given_asset_paths() -> None:
    text = lesson("title: x", "![a](assets/a.png)\n![b](assets/b.png)\n")
    with pytest.raises(CourseSourceError) as info:
        parse_lesson_text(text, path="demo/01-m/01-l.md", slug="l", position=2, asset_paths=frozenset({"a.png"}))

    assert [str(e) for e in info.value.errors] == [
        "demo/01-m/01-l.md:6: asset not found: assets/b.png (put the file in the course's assets/ folder or fix the link)"
    ]


def test_parse_lesson_text_returns_the_lesson_with_normalised_raw() -> None:
    text = "\ufeff" + lesson("title: x\nminutes: 3").replace("\n", "\r\n")
    got = parse_lesson_text(text, path="demo/01-m/03-l.md", slug="l", position=3, asset_paths=frozenset())

    assert (got.slug, got.position, got.path, got.title, got.minutes) == ("l", 3, "demo/01-m/03-l.md", "x", 3)
    assert got.raw == lesson("title: x\nminutes: 3")


# --- quiz blocks --------------------------------------------------------------------------------


def test_the_spec_example_quiz_parses(tmp_path: Path) -> None:
    course = load_course(make_course(tmp_path, {"01-basics/01-intro.md": quiz_lesson(SPEC_QUIZ)}))

    first, second = course.modules[0].lessons[0].questions
    assert first == QuizQuestion(
        "生成AIに入力してはいけない情報はどれですか。",
        (
            QuizOption("公開済みの製品カタログ", False),
            QuizOption("顧客の氏名と電話番号", True),
            QuizOption("社外秘ではない会議の議題", False),
        ),
        "個人情報は、社内で認められたツールと手順以外では入力しません。",
        7,
    )
    assert (first.multiple, second.multiple, second.explanation, second.line) == (False, True, None, 13)


def test_several_explanation_lines_join_with_newlines() -> None:
    questions, errors = parse_quiz("? q\n- [X] a\n- [ ] b\n> one\n>\n> two\n", path="p", first_line=1)

    assert errors == [] and questions[0].explanation == "one\n\ntwo"
    assert questions[0].options[0].correct


def test_tilde_and_longer_fences_hold_quizzes_too() -> None:
    got = parse_lesson_text(quiz_lesson(SPEC_QUIZ, fence="~~~~"), path="p", slug="l", position=1, asset_paths=frozenset())

    assert len(got.questions) == 2


def test_a_quiz_fence_inside_a_longer_code_fence_is_just_code() -> None:
    body = "````\n```quiz\n? not a question\n```\n````\n"
    got = parse_lesson_text(lesson("title: x", body), path="p", slug="l", position=1, asset_paths=frozenset())

    assert got.questions == ()
    assert split_quiz_blocks(body) == [("markdown", body)]


def test_every_quiz_block_of_a_lesson_is_collected_in_order() -> None:
    body = "前\n\n```quiz\n? one\n- [x] a\n- [ ] b\n```\n\n間\n\n```quiz\n? two\n- [x] a\n- [ ] b\n```\n"
    got = parse_lesson_text(lesson("title: x", body), path="p", slug="l", position=1, asset_paths=frozenset())

    assert [(q.prompt, q.line) for q in got.questions] == [("one", 8), ("two", 16)]


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ("? q\n- [ ] a\n- [ ] b\n", "7: question has no correct option: mark the right answer(s) with '- [x] '"),
        ("? q\n- [x] a\n", "7: question has 1 option(s): give at least two"),
        ("- [x] a\n? q\n- [x] b\n- [ ] c\n", "7: option before any question: start the question with '? ' first"),
        ("> why\n? q\n- [x] b\n- [ ] c\n", "7: explanation before any question: put '> ' lines after a question's options"),
        ("?\n- [x] a\n- [ ] b\n", "7: question text is empty: write the question after '? '"),
        ("? q\n- [x] a\n- [ ] b\n- [ ]\n", "10: option text is empty: write the answer after '- [ ] '"),
        ("? q\n- [x] a\n- [ ] b\nfree text\n",
         "10: unexpected line in quiz block: start questions with '? ', options with '- [ ] ' or '- [x] ', explanations with '> '"),
        ("？ 全角の疑問符\n",
         "7: unexpected line in quiz block: start questions with '? ', options with '- [ ] ' or '- [x] ', explanations with '> '"),
    ],
)
def test_quiz_errors_are_reported_at_their_file_line(block: str, error: str) -> None:
    assert lesson_errors(quiz_lesson(block)) == [f"c/01-m/01-l.md:{error}"]


def test_all_quiz_errors_of_a_block_are_reported() -> None:
    block = "? a\n- [ ] x\n- [ ] y\n\n? b\n- [x] x\n\nwhat\n"

    assert [e.split(": ")[0] for e in lesson_errors(quiz_lesson(block))] == [
        "c/01-m/01-l.md:7", "c/01-m/01-l.md:11", "c/01-m/01-l.md:14"]


def test_a_quiz_lesson_needs_a_quiz_block() -> None:
    assert lesson_errors(lesson("title: x\nkind: quiz")) == [
        "c/01-m/01-l.md:3: a lesson of kind quiz needs at least one ```quiz block"
    ]


def test_an_unclosed_quiz_block_is_an_error_at_its_fence() -> None:
    text = "---\ntitle: x\n---\n\n```quiz\n? q\n- [x] a\n- [ ] b\n"

    assert lesson_errors(text) == [
        "c/01-m/01-l.md:5: quiz block is not closed: add a closing fence line (```) after the questions"
    ]


def test_an_empty_quiz_block_is_an_error_at_its_fence() -> None:
    assert lesson_errors(quiz_lesson("\n")) == [
        "c/01-m/01-l.md:6: quiz block has no questions: add '? ' questions or remove the block"
    ]


def test_quiz_blocks_are_allowed_in_other_lesson_kinds() -> None:
    got = parse_lesson_text(lesson("title: x\nkind: workshop", f"```quiz\n{SPEC_QUIZ}```\n"), path="p", slug="l",
                            position=1, asset_paths=frozenset())

    assert len(got.questions) == 2


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_quiz_never_raises_on_arbitrary_text(block: str) -> None:
    questions, errors = parse_quiz(block, path="p", first_line=7)

    assert all(7 <= e.line < 7 + block.count("\n") + 1 for e in errors)
    assert all(7 <= q.line for q in questions)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["? q", "?", "- [x] a", "- [ ] b", "- [X]", "- []", "> e", ">", "", "  ", "x", "```", "\r"]))
       .map("\n".join))
def test_parse_quiz_never_raises_on_quiz_like_lines(block: str) -> None:
    questions, errors = parse_quiz(block, path="p", first_line=1)

    valid = all(len(q.options) >= 2 and any(o.correct for o in q.options) for q in questions)
    assert valid or errors


# --- split_quiz_blocks --------------------------------------------------------------------------


def test_split_quiz_blocks_separates_text_and_quizzes_in_order() -> None:
    body = "前の文\n\n```quiz\n? q\n- [x] a\n- [ ] b\n```\n後の文\n"

    assert split_quiz_blocks(body) == [("markdown", "前の文\n\n"), ("quiz", "? q\n- [x] a\n- [ ] b\n"), ("markdown", "後の文\n")]


def test_split_quiz_blocks_leaves_text_without_quizzes_whole() -> None:
    body = "# 見出し\n\n```python\nprint('x')\n```\n"

    assert split_quiz_blocks(body) == [("markdown", body)]


_plain_line = st.text(st.characters(blacklist_characters="\n`~"), max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(_plain_line, max_size=5).map(lambda ls: "".join(f"{x}\n" for x in ls)),
       st.lists(_plain_line, max_size=5).map(lambda ls: "".join(f"{x}\n" for x in ls)))
def test_split_quiz_blocks_round_trips_the_text_around_quizzes(before: str, after: str) -> None:
    quiz = "? q\n- [x] a\n- [ ] b\n"
    parts = split_quiz_blocks(f"{before}```quiz\n{quiz}```\n{after}")

    assert "".join(text for kind, text in parts if kind == "markdown") == before + after
    assert [text for kind, text in parts if kind == "quiz"] == [quiz]


# --- score --------------------------------------------------------------------------------------


def _question(*correct: bool) -> QuizQuestion:
    return QuizQuestion("q", tuple(QuizOption(str(i), c) for i, c in enumerate(correct)), None, 1)


QUESTIONS = [_question(True, False, False), _question(False, True), _question(True, True, False)]


def test_score_is_100_when_every_question_is_right() -> None:
    assert score(QUESTIONS, {0: {0}, 1: {1}, 2: {0, 1}}) == 100


def test_score_is_the_share_of_right_questions_rounded_down() -> None:
    assert score(QUESTIONS, {0: {0}, 1: {0}, 2: {0, 1}}) == 66
    assert score(QUESTIONS, {0: {1}, 1: {0}, 2: {0, 1}}) == 33


def test_a_choose_all_question_needs_exactly_the_correct_set() -> None:
    assert score([QUESTIONS[2]], {0: {0}}) == 0
    assert score([QUESTIONS[2]], {0: {0, 1, 2}}) == 0
    assert score([QUESTIONS[2]], {0: {0, 1}}) == 100


def test_an_unanswered_question_counts_as_wrong() -> None:
    assert score(QUESTIONS, {}) == 0


def test_a_lesson_without_questions_scores_100() -> None:
    assert score([], {}) == 100


# --- content hashes -----------------------------------------------------------------------------


def test_the_same_tree_gives_the_same_course_hash(tmp_path: Path) -> None:
    first = make_course(tmp_path / "a", {"assets/flow.png": b"png"})
    shutil.copytree(first, tmp_path / "b" / "demo")

    assert load_course(first).content_hash == load_course(tmp_path / "b" / "demo").content_hash


@pytest.mark.parametrize(
    "change",
    [
        lambda c: (c / "assets" / "flow.png").write_bytes(b"pnG"),
        lambda c: (c / "01-basics" / "01-intro.md").write_text(LESSON_MD + " ", encoding="utf-8"),
        lambda c: (c / "01-basics" / "01-intro.md").write_bytes(LESSON_MD.replace("\n", "\r\n").encode()),
        lambda c: (c / "assets" / "flow.png").rename(c / "assets" / "flow2.png"),
        lambda c: (c / "01-basics").rename(c / "02-basics"),
    ],
    ids=["asset byte", "lesson byte", "line endings", "asset renamed", "module renumbered"],
)
def test_any_change_to_the_files_changes_the_course_hash(tmp_path: Path, change: Callable[[Path], object]) -> None:
    course = make_course(tmp_path, {"assets/flow.png": b"png"})
    before = load_course(course).content_hash
    change(course)

    assert load_course(course).content_hash != before


# --- real courses and hostile input -------------------------------------------------------------


def _real_courses() -> list[CourseSource]:
    dirs = find_course_dirs([REAL_COURSES])
    assert dirs, f"no courses found under {REAL_COURSES}"
    return [load_course(d, root=REAL_COURSES) for d in dirs]


def test_every_course_in_the_repository_loads_without_error() -> None:
    courses = _real_courses()

    assert all(c.modules for c in courses)


def test_every_real_lesson_has_a_title_and_minutes() -> None:
    lessons = [les for c in _real_courses() for m in c.modules for les in m.lessons]

    assert [les.path for les in lessons if not les.title or not les.minutes] == []


def test_every_real_quiz_question_has_two_options_and_a_correct_one() -> None:
    questions = [(les.path, q) for c in _real_courses() for m in c.modules for les in m.lessons for q in les.questions]

    assert questions
    assert [(p, q.line) for p, q in questions if len(q.options) < 2 or not any(o.correct for o in q.options)] == []


def test_every_real_quiz_lesson_has_questions() -> None:
    lessons = [les for c in _real_courses() for m in c.modules for les in m.lessons if les.kind == "quiz"]

    assert lessons and all(les.questions for les in lessons)


def _naughty_strings() -> list[str]:
    text = shared_path("naughty-strings", "blns.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip() and not line.startswith("#")]


def test_naughty_strings_as_lesson_titles_load_or_give_source_errors() -> None:
    for naughty in _naughty_strings():
        for title in (naughty, json.dumps(naughty, ensure_ascii=False)):
            try:
                got = parse_lesson_text(lesson(f"title: {title}", f"{naughty}\n"), path="p", slug="l", position=1,
                                        asset_paths=frozenset())
            except CourseSourceError as exc:
                assert exc.errors and all(e.path == "p" and e.line >= 1 for e in exc.errors)
            else:
                assert got.title.strip() and isinstance(got.title, str)


def test_naughty_strings_in_a_course_tree_load_or_give_source_errors(tmp_path: Path) -> None:
    strings = _naughty_strings()
    files: dict[str, str | bytes | None] = {
        f"01-basics/{i:03d}-l{i}.md": f"---\ntitle: {s}\n---\n\n{s}\n".encode("utf-8", "surrogateescape")
        for i, s in enumerate(strings, start=2)
    }
    try:
        load_course(make_course(tmp_path, files))
    except CourseSourceError as exc:
        assert all(e.line >= 1 for e in exc.errors)


def test_a_control_character_in_front_matter_is_reported_at_its_line() -> None:
    assert lesson_errors("---\ntitle: x\nminutes: 5\x1b\n---\n") == [
        "c/01-m/01-l.md:3: this line contains the character U+001B (ESC), which no text may hold: remove it"
    ]


def test_yaml_tags_that_would_build_python_objects_are_refused() -> None:
    assert lesson_errors("---\ntitle: !!python/object/apply:os.system [echo]\n---\n") == [
        "c/01-m/01-l.md:2: invalid value for title: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'"
    ]


def test_the_exception_message_lists_every_error_one_per_line(tmp_path: Path) -> None:
    course = make_course(tmp_path, {"01-basics/01-intro.md": "x\n", "01-basics/02-b.md": "y\n"})
    with pytest.raises(CourseSourceError) as info:
        load_course(course)

    assert str(info.value).splitlines() == [str(e) for e in info.value.errors]
    assert len(info.value.errors) == 2
