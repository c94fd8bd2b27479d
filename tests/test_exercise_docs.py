"""docs/exercise-authoring.ja.md stays true: its example parses, its error lines are real, it names every key and kind."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.exercises.rubric import ELEMENTS
from lms.exercises.source import CHECK_KINDS, DEPARTMENTS, FRONT_MATTER_KEYS, ExerciseSourceError, parse_exercise_text
from tests.test_exercise_source import EXAMPLE, PATH, edit

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "exercise-authoring.ja.md").read_text(encoding="utf-8")


def test_the_complete_example_is_the_one_the_tests_use_and_it_parses() -> None:
    block = GUIDE.split("````markdown\n", 1)[1].split("\n````", 1)[0] + "\n"
    assert block == EXAMPLE
    assert parse_exercise_text(block, path=PATH, slug="owabi-mail").rubric


@pytest.mark.parametrize("name", [*FRONT_MATTER_KEYS, *CHECK_KINDS, *ELEMENTS, *DEPARTMENTS])
def test_the_guide_names_every_key_kind_element_and_department(name: str) -> None:
    assert f"`{name}`" in GUIDE


def _errors(text: str) -> list[str]:
    try:
        parse_exercise_text(text, path=PATH, slug="owabi-mail")
    except ExerciseSourceError as exc:
        return [str(e) for e in exc.errors]
    return []


def test_every_error_line_in_the_guide_is_what_the_parser_says() -> None:
    without_fence = EXAMPLE.replace("```text\n", "", 1)
    without_fence = without_fence[:without_fence.index("```\n\n役割")] + without_fence[without_fence.index("```\n\n役割") + 4:]
    produced = {
        line
        for text in (
            edit("minutes: 10\n", "minutes: 10\nminuts: 5\n"),
            edit("    check: element\n    element: tone\n", "    check: style\n    element: tone\n"),
            edit("    hint: 「おわびメールの下書きを作成してください」のように、作ってほしいものを動詞で書きましょう。\n", ""),
            edit("    check: element\n    element: tone\n", "    check: regex\n    pattern: 'です(ます'\n"),
            edit("  - text: 佐藤一郎\n", "  - text: 佐藤次郎\n"),
            edit("    what: [secrets, personal_data]\n", "    what: [personal_data]\n"),
            edit("    what: [secrets, personal_data]\n", "    what: [secrets, personal_data]\n    weight: 5\n"),
            edit("## 課題\n", "## 課題の説明\n"),
            without_fence,
            edit("担当者は【担当者名】様", "担当者は佐藤一郎様"),
        )
        for line in _errors(text)
    }
    documented = [line for line in GUIDE.splitlines() if line.startswith(f"{PATH}:")]
    assert len(documented) == 11
    for line in documented:
        assert line in produced, line
    assert not [line for line in GUIDE.splitlines() if re.match(r"exercises/\S+\.md:\d+:", line) and line not in produced]
