"""Tests for lms.exercises.source, the exercise-format parser (pure Python, no Flask app needed).

Every problem is reported as path:line so a trainer can find it; the example
file is the one from the format specification (tests/data/exercises/owabi-mail.md).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.exercises.source import (
    ExerciseSourceError,
    load_exercise,
    load_exercises,
    parse_exercise_text,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "tests" / "data" / "exercises" / "owabi-mail.md").read_text(encoding="utf-8")
PATH = "exercises/owabi-mail.md"


def parse(text: str, slug: str = "owabi-mail"):  # type: ignore[no-untyped-def]
    return parse_exercise_text(text, path=PATH, slug=slug)


def errors(text: str, slug: str = "owabi-mail") -> list[str]:
    with pytest.raises(ExerciseSourceError) as caught:
        parse(text, slug)
    return [str(e) for e in caught.value.errors]


def edit(old: str, new: str, text: str = EXAMPLE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- what a valid file gives ----------------------------------------------------------------------


def test_the_example_of_the_specification_parses_with_every_field() -> None:
    exercise = parse(EXAMPLE)
    assert exercise.slug == "owabi-mail" and exercise.minutes == 10 and exercise.department == "営業"
    assert exercise.industries == ("manufacturing", "wholesale") and exercise.level == "beginner"
    assert exercise.pass_score == 70 and exercise.usecases == ("owabi-mail",) and exercise.compare == ()
    assert [(s.text, s.label) for s in exercise.secrets][0] == ("大和精機株式会社", "取引先名")
    assert [c.id for c in exercise.rubric] == ["role", "task", "facts", "format", "tone", "no-personal-data"]
    forbidden = exercise.rubric[-1]
    assert forbidden.blocking and forbidden.weight == 0 and forbidden.what == ("secrets", "personal_data")
    assert exercise.rubric[2].all_of == ("600", "3日")
    assert exercise.task.startswith("あなたは部品メーカーの営業担当です。")
    assert exercise.material.startswith("（この資料は演習用の架空のものです）")
    assert exercise.model_prompt.startswith("あなたは製造業の営業担当として") and "```" not in exercise.model_prompt
    assert exercise.model_explanation.startswith("役割・作るもの")
    assert len(exercise.checklist) == 3 and len(exercise.content_hash) == 64


def test_defaults_weight_level_pass_score_and_what() -> None:
    text = edit("pass_score: 70\n", "")
    text = edit("    weight: 10\n", "", text)
    text = edit("    what: [secrets, personal_data]\n", "", text)
    exercise = parse(text)
    assert exercise.pass_score == 70 and exercise.rubric[0].weight == 10
    assert exercise.rubric[-1].what == ("secrets", "personal_data")


def test_a_tool_selection_exercise_names_two_tools() -> None:
    assert parse(edit("pass_score: 70\n", "pass_score: 70\ncompare: [ツールA, ツールB]\n")).compare == ("ツールA", "ツールB")


def test_the_definition_keeps_the_rubric_as_the_format_writes_it() -> None:
    definition = parse(EXAMPLE).definition()
    assert definition["rubric"][2] == {
        "id": "facts", "label": "遅れの事実（数量と新しい納期）を伝えている", "check": "contains", "weight": 30,
        "hint": "遅れる数量（600個）と、新しい納期（3日遅れ）を書かないと、AIは数字を作ってしまいます。", "all": ["600", "3日"],
    }
    assert "weight" not in definition["rubric"][-1] and definition["secrets"][2]["text"] == "090-1234-5678"


# --- front matter errors --------------------------------------------------------------------------


def test_an_unknown_key_names_its_line() -> None:
    (error,) = errors(edit("minutes: 10\n", "minutes: 10\nminuts: 5\n"))
    assert error.startswith(f"{PATH}:5: unknown key 'minuts'")


def test_required_keys_are_named() -> None:
    text = edit("department: 営業\n", "")
    assert f"{PATH}:1: missing required key 'department' in the front matter" in errors(text)


@pytest.mark.parametrize(("old", "new", "line", "start"), [
    ("minutes: 10\n", "minutes: 2\n", 4, "minutes must be a whole number from 3 to 60"),
    ("industries: [manufacturing, wholesale]\n", "industries: []\n", 5, "industries must list at least one code"),
    ("industries: [manufacturing, wholesale]\n", "industries: [farming]\n", 5, "unknown industries code 'farming'"),
    ("department: 営業\n", "department: 営業部\n", 6, "unknown department '営業部'"),
    ("usecases: [owabi-mail]\n", "usecases: [Owabi Mail]\n", 7, "usecases must be a slug"),
    ("pass_score: 70\n", "pass_score: 0\n", 8, "pass_score must be a whole number from 1 to 100"),
    ("pass_score: 70\n", "pass_score: 70\ncompare: [ツールA]\n", 9, "compare must name exactly two tools"),
    ("title: 取引先への", "title: " + "あ" * 120 + "取引先への", 2, "title is 146 characters long; keep it to 120"),
    ("minutes: 10\n", "minutes: 10\nlevel: expert\n", 5, "unknown level 'expert'"),
])
def test_front_matter_values_are_checked(old: str, new: str, line: int, start: str) -> None:
    assert any(e.startswith(f"{PATH}:{line}: {start}") for e in errors(edit(old, new))), errors(edit(old, new))


def test_a_file_name_that_is_not_a_slug_is_an_error() -> None:
    assert errors(EXAMPLE, slug="Owabi_Mail") == [
        f"{PATH}:1: file name 'Owabi_Mail.md' is not a slug: use lowercase letters, digits and single dashes, at most 64 "
        "characters, then .md"
    ]


def test_a_control_character_is_refused_with_its_line() -> None:
    assert errors(edit("ブラケット600個", "ブラケット\x1b600個")) == [
        f"{PATH}:66: this line contains the character U+001B (ESC), which no text may hold: remove it"
    ]


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "owabi-mail.md").write_bytes(EXAMPLE.encode("shift_jis"))
    with pytest.raises(ExerciseSourceError) as caught:
        load_exercise(folder / "owabi-mail.md")
    assert str(caught.value.errors[0]).startswith("exercises/owabi-mail.md:2: file is not UTF-8")


# --- secrets --------------------------------------------------------------------------------------


def test_a_secret_that_is_not_in_the_body_is_an_error() -> None:
    assert errors(edit("  - text: 佐藤一郎\n", "  - text: 佐藤次郎\n")) == [
        f"{PATH}:12: secret '佐藤次郎' does not occur in ## 課題 or ## 資料: copy it exactly from there"
    ]


def test_a_secret_with_an_unknown_key_or_without_label_is_an_error() -> None:
    found = errors(edit("    label: 取引先名\n", "    lable: 取引先名\n"))
    assert f"{PATH}:11: unknown key 'lable'; allowed keys: text, label" in found
    assert f"{PATH}:10: a secret needs 'label:'" in found


def test_secrets_without_a_forbidden_criterion_are_an_error() -> None:
    text = edit("    what: [secrets, personal_data]\n", "    what: [personal_data]\n")
    assert errors(text) == [
        f"{PATH}:9: this exercise plants secrets: add a criterion with check: forbidden (what: [secrets, personal_data]) "
        "so a prompt holding them is blocked"
    ]


def test_personal_data_in_the_material_needs_a_forbidden_criterion() -> None:
    start, end = EXAMPLE.index("secrets:\n"), EXAMPLE.index("rubric:\n")
    text = EXAMPLE[:start] + EXAMPLE[end:]
    text = edit("    what: [secrets, personal_data]\n", "    what: [secrets]\n", text)
    found = errors(text)
    assert found == [
        f"{PATH}:43: what lists secrets, but the exercise has no secrets",
        f"{PATH}:55: the material holds personal data (090-1234-5678, 佐藤一郎): add a criterion with check: forbidden "
        "(what: [secrets, personal_data]) so a prompt holding it is blocked",
    ]


# --- criteria -------------------------------------------------------------------------------------


def test_an_unknown_check_kind_names_its_line() -> None:
    (error,) = errors(edit("    check: element\n    element: tone\n", "    check: style\n    element: tone\n"))
    assert error == f"{PATH}:43: unknown check kind 'style'; use one of: element, contains, regex, length, forbidden"


def test_a_criterion_without_a_hint_names_its_line() -> None:
    (error,) = errors(edit("    hint: 「おわびメールの下書きを作成してください」のように、作ってほしいものを動詞で書きましょう。\n", ""))
    assert error == (f"{PATH}:23: criterion 'task' has no hint: add 'hint:' with the teaching hint shown when it is "
                     "missed")


def test_an_invalid_regular_expression_names_its_line() -> None:
    text = edit("    check: element\n    element: tone\n", "    check: regex\n    pattern: 'です(ます'\n")
    (error,) = errors(text)
    assert error.startswith(f"{PATH}:44: invalid regular expression 'です(ます': missing ), unterminated subpattern")


def test_an_invalid_extra_pattern_of_an_element_names_its_line() -> None:
    (error,) = errors(edit("    element: tone\n", "    element: tone\n    patterns: ['[です']\n"))
    assert error.startswith(f"{PATH}:45: invalid regular expression '[です'")


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("    element: tone\n", "    element: mood\n", 44, "unknown element 'mood'; use one of: role, task, context, "
                                                     "source_delimited, output_format, length, constraints, audience, "
                                                     "tone, examples, uncertainty"),
    ("    element: tone\n", "", 41, "check: element needs 'element:'; use one of: role, task"),
    ("    element: tone\n", "    element: tone\n    pattern: x\n", 45, "'pattern' is not used with check: element; "
                                                                       "its keys are: element, patterns"),
    ("    element: tone\n", "    element: tone\n    colour: x\n", 45, "unknown key 'colour' in a criterion"),
    ("    all: [\"600\", \"3日\"]\n", "", 29, "check: contains needs 'any:' or 'all:' (or both)"),
    ("    all: [\"600\", \"3日\"]\n", "    any: []\n", 32, "any must list at least one item"),
    ("    what: [secrets, personal_data]\n", "    what: [secrets, personal_data]\n    weight: 5\n", 51,
     "a forbidden criterion blocks instead of scoring: remove 'weight'"),
    ("    what: [secrets, personal_data]\n", "    what: [names]\n", 50, "unknown what code 'names'"),
    ("    weight: 20\n    hint: 「です", "    weight: 0\n    hint: 「です", 45, "weight must be a whole number from 1 to 100"),
    ("  - id: tone\n", "  - id: role\n", 41, "criterion id 'role' is used twice"),
    ("  - id: tone\n", "  - id: Tone!\n", 41, "id must be a slug"),
    ("    label: 文体を指定している\n", "", 41, "a criterion needs 'label:'"),
])
def test_criterion_errors_name_their_line(old: str, new: str, line: int, message: str) -> None:
    found = errors(edit(old, new))
    assert any(e.startswith(f"{PATH}:{line}: {message}") for e in found), found


def test_length_bounds_are_checked() -> None:
    text = edit("    check: element\n    element: tone\n", "    check: length\n    min: 300\n    max: 200\n")
    assert f"{PATH}:44: min (300) is more than max (200)" in errors(text)
    text = edit("    check: element\n    element: tone\n", "    check: length\n")
    assert f"{PATH}:41: check: length needs 'min:' or 'max:' (or both), in characters" in errors(text)


def test_a_rubric_of_forbidden_criteria_only_cannot_score() -> None:
    start, end = EXAMPLE.index("  - id: role\n"), EXAMPLE.index("  - id: no-personal-data\n")
    assert f"{PATH}:16: rubric has no scoring criterion: add at least one that is not forbidden" in errors(
        EXAMPLE[:start] + EXAMPLE[end:])


# --- body -----------------------------------------------------------------------------------------


def test_missing_sections_are_named() -> None:
    text = edit("## 課題\n", "## 課題の説明\n")
    found = errors(text)
    assert f"{PATH}:58: unknown section '## 課題の説明'; use ## 課題, ## 資料 and ## お手本, in this order" in found
    assert f"{PATH}:57: missing section '## 課題'" in found


def test_sections_out_of_order_or_twice_are_errors() -> None:
    body = EXAMPLE[EXAMPLE.index("## 課題"):]
    head = EXAMPLE[:EXAMPLE.index("## 課題")]
    task, rest = body.split("## 資料", 1)
    found = errors(head + "## 資料" + rest + "\n" + task)
    assert any(e.startswith(f"{PATH}:") and "section '## 課題' must come before '## 資料'" in e for e in found), found
    found = errors(EXAMPLE + "\n## 資料\n\nもう一つ\n")
    assert any("section '## 資料' appears twice (first on line 62)" in e for e in found), found


def test_text_before_the_first_section_is_an_error() -> None:
    assert errors(edit("## 課題\n", "はじめに\n\n## 課題\n")) == [
        f"{PATH}:58: text before the first section: start the body with '## 課題'"
    ]


def test_a_heading_inside_a_code_block_is_not_a_section() -> None:
    text = edit("（この資料は演習用の架空のものです）\n", "（この資料は演習用の架空のものです）\n\n```\n## 議題\n```\n")
    assert "## 議題" in parse(text).material


def test_a_model_answer_without_a_fenced_block_is_an_error() -> None:
    start, end = EXAMPLE.index("```text\n"), EXAMPLE.index("```\n\n役割")
    text = EXAMPLE[:start] + EXAMPLE[start + len("```text\n"):end] + EXAMPLE[end + 4:]
    assert errors(text) == [f"{PATH}:68: お手本 needs a fenced block (```text ... ```) holding the model prompt"]


def test_an_unclosed_model_prompt_block_is_an_error() -> None:
    text = edit("```\n\n役割", "\n役割")
    assert errors(text) == [f"{PATH}:70: the model prompt's block is not closed: add a closing fence line (```)"]


def test_a_model_prompt_that_fails_its_own_rubric_names_what_it_missed() -> None:
    text = edit("です・ます調で、言い訳に聞こえない丁寧な文面にしてください。", "言い訳は書かないでください。")
    text = edit("  - id: tone\n    label: 文体を指定している\n    check: element\n    element: tone\n    weight: 20\n",
                "  - id: tone\n    label: 文体を指定している\n    check: element\n    element: tone\n    weight: 90\n", text)
    assert errors(text) == [
        f"{PATH}:70: お手本 does not pass its own rubric: missed tone (score 47, pass 70)"
    ]


def test_a_model_prompt_holding_a_secret_fails_its_own_rubric() -> None:
    text = edit("担当者は【担当者名】様", "担当者は佐藤一郎様")
    assert errors(text) == [
        f"{PATH}:70: お手本 does not pass its own rubric: missed no-personal-data (score 100, pass 70)"
    ]


# --- folders --------------------------------------------------------------------------------------


def test_a_folder_reports_stray_files_and_skips_the_readme(tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    (folder / "nested").mkdir(parents=True)
    (folder / "README.md").write_text("# exercises\n")
    (folder / "notes.txt").write_text("x")
    (folder / "owabi-mail.md").write_text(EXAMPLE)
    exercises, problems = load_exercises(folder)
    assert [e.slug for e in exercises] == ["owabi-mail"]
    assert [str(p) for p in problems] == [
        "exercises/nested:1: exercises/ is flat: only <slug>.md files (and README.md) belong here",
        "exercises/notes.txt:1: unexpected file: exercises are Markdown files named <slug>.md",
    ]


@pytest.mark.parametrize("folder", [ROOT / "exercises", ROOT / "tests" / "data" / "exercises"],
                         ids=["shipped", "test-data"])
def test_every_exercise_file_parses_and_its_model_prompt_passes(folder: Path) -> None:
    exercises, problems = load_exercises(folder)
    assert [str(p) for p in problems] == []
    files = [p for p in folder.glob("*.md") if p.name != "README.md"]
    assert len(exercises) == len(files)
