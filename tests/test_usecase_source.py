"""The use-case parser: the format's example parses, and every error names path:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.usecases.source import UsecaseSourceError, load_usecases, parse_usecase_text
from tests.usecaseworld import EXAMPLE, PLAIN, ROOT, parsed, write_cases


def errors_of(text: str, case_id: str = "shift-shitagaki") -> list[str]:
    with pytest.raises(UsecaseSourceError) as info:
        parse_usecase_text(text, path=f"usecases/{case_id}.md", case_id=case_id)
    return [str(e) for e in info.value.errors]


def test_the_formats_example_parses() -> None:
    case = parsed("shift-shitagaki", EXAMPLE)
    assert case.title == "シフト表の下書きを作る"
    assert case.industries == ("retail", "food_service", "accommodation", "healthcare_welfare")
    assert case.departments == ("店舗", "介護") and case.level == "beginner" and case.data_class == "internal"
    assert (case.minutes, case.basis, case.basis_source) == (60, "example", "")
    assert len(case.steps) == 5 and case.steps[0].startswith("スタッフを記号")
    assert case.template.startswith("あなたは【業種】") and case.template.endswith("書き出してください。")
    assert case.lessons == ("ws-kouri/mise-no-shigoto/shift",) and case.exercises == ("kouri-shift",)
    assert case.points.startswith("- 介護事業所")


def test_the_authoring_guides_example_parses() -> None:
    guide = (ROOT / "docs" / "usecase-authoring.ja.md").read_text(encoding="utf-8")
    example = guide.split("````markdown\n", 1)[1].split("````", 1)[0]
    case = parsed("shift-shitagaki", example)
    assert case.title == "シフト表の下書きを作る" and len(case.steps) == 5


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("industries: [retail, food_service, accommodation, healthcare_welfare]", "industries: [retail, farming]",
     "usecases/shift-shitagaki.md:4: unknown industries code 'farming'"),
    ("industries: [retail, food_service, accommodation, healthcare_welfare]", "industries: []",
     "usecases/shift-shitagaki.md:4: industries must list at least one item"),
    ("departments: [店舗, 介護]", "departments: [店舗, 倉庫]", "usecases/shift-shitagaki.md:5: unknown departments code '倉庫'"),
    ("departments: [店舗, 介護]", "departments: [店舗, 介護, 経理, 総務]",
     "usecases/shift-shitagaki.md:5: departments lists 4 departments; name 1 to 3"),
    ("task_type: data", "task_type: summary", "usecases/shift-shitagaki.md:6: unknown task_type 'summary'"),
    ("tools: [chat, office]", "tools: [chat, robot]", "usecases/shift-shitagaki.md:7: unknown tools code 'robot'"),
    ("level: beginner", "level: advanced", "usecases/shift-shitagaki.md:8: unknown level 'advanced'"),
    ("level: beginner", "level: systematic", "usecases/shift-shitagaki.md:8: level: systematic needs risks:"),
    ("data_class: internal", "data_class: secret", "usecases/shift-shitagaki.md:9: unknown data_class 'secret'"),
    ("checkin_task: data", "checkin_task: shift", "usecases/shift-shitagaki.md:20: unknown checkin_task 'shift'"),
    ("title: シフト表の下書きを作る", "title: " + "あ" * 81, "usecases/shift-shitagaki.md:2: title is 81 characters long"),
    ("title: シフト表の下書きを作る\n", "", "usecases/shift-shitagaki.md:1: missing required key 'title'"),
    ("checkin_task: data\n", "checkin_task: data\ncolour: blue\n", "usecases/shift-shitagaki.md:21: unknown key 'colour'"),
    ("time_saved: {minutes: 60, basis: example}", "time_saved: {minutes: 60, basis: cited}",
     "usecases/shift-shitagaki.md:17: basis: cited needs source:"),
    ("time_saved: {minutes: 60, basis: example}", "time_saved:\n  minutes: 60\n  basis: measured",
     "usecases/shift-shitagaki.md:19: basis: measured is only for a company's own figures"),
    ("time_saved: {minutes: 60, basis: example}", "time_saved: {minutes: 60, basis: example, source: \"本, 2025\"}",
     "usecases/shift-shitagaki.md:17: a figure with basis: example has no source"),
    ("time_saved: {minutes: 60, basis: example}", "time_saved: {minutes: many, basis: example}",
     "usecases/shift-shitagaki.md:17: time_saved.minutes must be a whole number"),
    ("time_saved: {minutes: 60, basis: example}", "time_saved: 60", "usecases/shift-shitagaki.md:17: time_saved must be written like"),
    ("lessons: [ws-kouri/mise-no-shigoto/shift]", "lessons: [ws-kouri/shift]",
     "usecases/shift-shitagaki.md:18: lessons must list lessons as course/module/lesson"),
    ("never_enter:\n", "never_enter: []\nx_never:\n", "usecases/shift-shitagaki.md:10: never_enter must list at least one item"),
    ("## 手順\n", "## やりかた\n", "usecases/shift-shitagaki.md:23: unknown section '## やりかた'"),
    ("## 手順\n", "## 手順\n\nまず準備します。\n", None),
    ("3. ひな形に貼り付け", "3. ひな形に貼り付け\n## 手順\n", "section '## 手順' appears twice"),
    ("```text\n", "```text\n~~~\n", None),
    ("3. ひな形に貼り付け、AIに表の下書きを作らせます。\n4. 条件を満たしていない日を、AIに一覧にさせます。\n"
     "5. 店長が最終調整し、記号を名前に戻して掲示します。\n", "", "usecases/shift-shitagaki.md:23: ## 手順 has 2 numbered steps"),
    ("1. スタッフを記号", "1. A\n2. B\n3. C\n4. D\n5. E\n6. F\n7. スタッフを記号", "## 手順 has 11 numbered steps"),
    ("2. 店の条件", "4. 店の条件", "usecases/shift-shitagaki.md:26: step 4 is out of order"),
    ("title: シフト表の下書きを作る", "title: \"シフト\\0\"", "usecases/shift-shitagaki.md:2: title contains the character"),
])
def test_each_error_names_its_line(old: str, new: str, expected: str | None) -> None:
    assert old in EXAMPLE
    text = EXAMPLE.replace(old, new, 1)
    if expected is None:  # control cases: text before the list, a ~~~ line inside the block are allowed
        assert parsed("shift-shitagaki", text).steps
        return
    found = errors_of(text)
    assert any(e.startswith(expected) or expected in e for e in found), found


def test_the_template_needs_a_fenced_block() -> None:
    head, rest = EXAMPLE.split("```text\n", 1)
    found = errors_of(head + rest.split("```\n", 1)[1])
    assert "usecases/shift-shitagaki.md:31: ## プロンプトのひな形 needs a fenced block (```text ... ```) holding the template" in found


def test_the_template_block_must_be_closed_and_say_text() -> None:
    unclosed = EXAMPLE.rsplit("```\n", 1)
    found = errors_of(unclosed[0] + unclosed[1])
    assert any("the template's block is not closed" in e for e in found), found
    found = errors_of(EXAMPLE.replace("```text\n", "```\n"))
    assert found == ["usecases/shift-shitagaki.md:33: open the template's block with ```text"]


def test_a_refused_character_is_named_by_line() -> None:
    found = errors_of(EXAMPLE.replace("2. 店の条件", "2. 店\u202eの条件"))
    assert found[0].startswith("usecases/shift-shitagaki.md:26: this line contains the character U+202E")


def test_a_file_name_that_is_not_an_id_is_refused() -> None:
    assert errors_of(PLAIN, case_id="Shift_Table")[0].startswith("usecases/Shift_Table.md:1: file name 'Shift_Table.md'")


def test_systematic_with_risks_and_a_cited_figure_parse() -> None:
    text = PLAIN.replace("level: beginner", "level: systematic\nrisks:\n  - 誤った回答が自動で届く → 最初は人が承認する")
    text = text.replace("time_saved: {minutes: 60, basis: example}",
                        'time_saved: {minutes: 30, basis: cited, source: "調査報告書, https://example.org/r"}')
    case = parsed("shift-shitagaki", text)
    assert case.risks and (case.basis, case.basis_source) == ("cited", "調査報告書, https://example.org/r")


def test_across_files_duplicate_ids_aliases_and_broken_links(tmp_path: Path) -> None:
    folder = write_cases(
        tmp_path,
        shift_shitagaki=EXAMPLE,
        shift_b=PLAIN.replace("title:", "aliases: [shift-shitagaki, old-shift]\ntitle:"),
        shift_c=PLAIN.replace("title:", "aliases: [old-shift]\ntitle:"),
    )
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    _, errors = load_usecases(folder, lesson_refs=frozenset({"ws-kouri/mise-no-shigoto/other"}),
                              exercise_slugs=frozenset({"kouri-pop"}))
    found = [str(e) for e in errors]
    assert "usecases/notes.txt:1: unexpected file: use cases are Markdown files named <id>.md" in found
    assert any(e.startswith("usecases/shift-b.md:2: alias 'shift-shitagaki' is the id of usecases/shift-shitagaki.md")
               for e in found), found
    assert any(e.startswith("usecases/shift-c.md:2: alias 'old-shift' is also an alias of usecases/shift-b.md")
               for e in found), found
    assert any(e.startswith("usecases/shift-shitagaki.md:18: unknown lesson 'ws-kouri/mise-no-shigoto/shift'")
               for e in found), found
    assert any(e.startswith("usecases/shift-shitagaki.md:19: unknown exercise 'kouri-shift'") for e in found), found


def test_every_shipped_case_parses() -> None:
    from lms.usecases.cli import known_links

    folder = ROOT / "usecases"
    lesson_refs, exercise_slugs = known_links([ROOT / "courses"], ROOT / "exercises")
    sources, errors = load_usecases(folder, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs)
    assert errors == [], "\n".join(str(e) for e in errors)
    assert len(sources) == len([p for p in folder.glob("*.md") if p.name != "README.md"])
