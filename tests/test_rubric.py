"""Tests for lms.exercises.rubric, the pure rubric engine: per kind and element, spans, hints, score, pass, blocked."""
from __future__ import annotations

import json
from typing import Any

import pytest

from lms.exercises.rubric import ELEMENT_SOURCES, ELEMENTS, compile_pattern, evaluate, fold_pattern
from lms.exercises.source import Criterion, ExerciseSource, Secret


def criterion(check: str, id: str = "c", weight: int = 10, **params: Any) -> Criterion:
    if check == "forbidden":
        params.setdefault("what", ("secrets", "personal_data"))  # the format's default
    return Criterion(id=id, label=f"{id}のラベル", check=check, hint=f"{id}のヒント",
                     weight=0 if check == "forbidden" else weight, line=1, **params)


def exercise(*rubric: Criterion, secrets: tuple[Secret, ...] = (), pass_score: int = 70) -> ExerciseSource:
    return ExerciseSource(
        slug="renshu", path="exercises/renshu.md", title="練習", summary="練習です", minutes=10, level="beginner",
        industries=("all",), department="営業", usecases=(), pass_score=pass_score, compare=(), secrets=secrets,
        rubric=rubric, checklist=("確認する",), task="課題", material="", model_prompt="", model_explanation="",
        raw="", content_hash="",
    )


def only(check: str, prompt: str, **params: Any):  # type: ignore[no-untyped-def]
    """The result of the one criterion of an exercise that has only it."""
    return evaluate(exercise(criterion(check, **params)), prompt).criteria[0]


# --- elements -------------------------------------------------------------------------------------

ELEMENT_CASES = [
    # element, a prompt that has it, the span shown, a prompt that lacks it
    ("role", "あなたは経理の専門家です。", "あなたは経理の専門家です", "請求書を確認してください。"),
    ("role", "ベテランの総務担当として答えてください。", "として", "答えてください。"),
    ("task", "この議事録を要約してください。", "要約", "この議事録です。"),
    ("task", "お礼状を書いてください。", "書いて", "お礼状です。"),
    ("context", "【背景】来月から新しい勤怠システムに移ります。", "背景", "来月から新しい勤怠システムに移ります。"),
    ("context", "目的は、新人が迷わないことです。", "目的", "新人が迷わないようにしたい。"),
    ("source_delimited", "次の文章を要約して。\n```\n本日の会議では予算について話しました。\n```", None,
     "本日の会議では予算について話しました。"),
    ("source_delimited", "「本日の会議では、来期の予算と人員配置について話し合いました。」を要約して",
     "「本日の会議では、来期の予算と人員配置について話し合いました。」", "「短い」を要約して"),
    ("source_delimited", "<資料>本日の会議では予算について話しました。</資料>", "<資料>本日の会議では予算について話しました。</資料>",
     "<資料>を要約して"),
    ("source_delimited", "【元の文章】\n本日の会議では予算について話しました。", None, "【元の文章】"),
    ("source_delimited", '"""\n本日の会議\n"""', None, "本日の会議"),
    ("source_delimited", "### 資料\n本日の会議", None, "本日の会議"),
    ("output_format", "箇条書きでまとめてください。", "箇条書き", "まとめてください。"),
    ("output_format", "結果はｊｓｏｎで返してください。", "ｊｓｏｎ", "結果を返してください。"),
    ("output_format", "比較表にしてください。", "比較表", "発表の代表者を決めて。"),
    ("length", "３００文字以内で。", "３００文字", "短めに。"),
    ("length", "ポイントを三つ挙げてください。", "三つ", "ポイントを挙げてください。"),
    ("constraints", "推測で数字を書かないでください。", "ないでください", "数字を書いてください。"),
    ("constraints", "社外秘の情報は必ず伏せてください。", "必ず", "社外秘の情報を伏せてください。"),
    ("audience", "新入社員向けの説明にしてください。", "新入社員", "説明にしてください。"),
    ("audience", "読み手は社長です。", "読み手", "説明してください。"),
    ("tone", "です・ます調で書いてください。", "です・ます", "書いてください。"),
    ("tone", "やわらかい口調でお願いします。", "やわらか", "お願いします。"),
    ("examples", "例えば「承知しました」のような表現です。", "例", "「承知しました」と書いて。"),
    ("examples", "ｻﾝﾌﾟﾙを付けてください。", "ｻﾝﾌﾟﾙ", "定例会議の議事録です。"),
    ("uncertainty", "資料から分からない点は「不明」と書いてください。", "分からない", "資料から書いてください。"),
    ("uncertainty", "根拠も示してください。", "根拠", "示してください。"),
]


@pytest.mark.parametrize(("element", "met", "span", "missed"), ELEMENT_CASES)
def test_each_element_is_met_with_a_span_and_missed_with_the_hint(element: str, met: str, span: str | None, missed: str) -> None:
    found = only("element", met, element=element)
    assert found.met and found.hint is None
    if span is not None:
        assert span in [s.text for s in found.spans]
    for s in found.spans:
        assert met[s.start:s.end] == s.text
    lacking = only("element", missed, element=element)
    assert not lacking.met and lacking.hint == "cのヒント" and lacking.spans == ()


def test_every_element_is_covered_by_a_case() -> None:
    assert {case[0] for case in ELEMENT_CASES} == set(ELEMENTS) == set(ELEMENT_SOURCES)


def test_extra_patterns_extend_an_element() -> None:
    assert not only("element", "ご査収ください。", element="task").met
    assert only("element", "ご査収ください。", element="task", patterns=("査収",)).met


def test_a_quotation_that_never_closes_is_not_a_delimited_source_and_stays_fast() -> None:
    assert not only("element", "「" * 100_000, element="source_delimited").met


# --- contains, regex, length ----------------------------------------------------------------------


def test_contains_all_needs_every_phrase() -> None:
    found = only("contains", "600個を3日遅れで", all_of=("600", "3日"))
    assert found.met and [s.text for s in found.spans] == ["600", "3日"]
    assert not only("contains", "600個を遅れて", all_of=("600", "3日")).met


def test_contains_any_needs_one_phrase() -> None:
    assert only("contains", "納期は来週です", any_of=("納期", "期日")).met
    assert not only("contains", "来週です", any_of=("納期", "期日")).met


def test_full_width_digits_match_half_width_phrases_and_spans_show_what_was_typed() -> None:
    prompt = "ブラケット６００個が３日遅れます"
    found = only("contains", prompt, all_of=("600", "3日"))
    assert found.met and [s.text for s in found.spans] == ["６００", "３日"]
    assert [(s.start, s.end) for s in found.spans] == [(5, 8), (10, 12)]


def test_half_width_katakana_matches_full_width_and_hiragana() -> None:
    found = only("contains", "ｶﾞｲﾄﾞﾗｲﾝに沿って", any_of=("ガイドライン",))
    assert found.met and found.spans[0].text == "ｶﾞｲﾄﾞﾗｲﾝ"
    assert only("contains", "がいどらいんに沿って", any_of=("ガイドライン",)).met


def test_regex_matches_folded_text_and_patterns_are_folded_too() -> None:
    found = only("regex", "納期は１２月５日です", pattern=r"\d+月\d+日")
    assert found.met and found.spans[0].text == "１２月５日"
    assert only("regex", "ｶﾞｲﾄﾞを作る", pattern="ガイド(を|の)").met
    assert not only("regex", "納期は未定です", pattern=r"\d+月").met


def test_fold_pattern_keeps_full_width_brackets_literal() -> None:
    assert fold_pattern("（注）") == r"\(注\)"
    assert compile_pattern("（注）").search("(注)") is not None


def test_length_counts_characters_after_stripping() -> None:
    assert only("length", "  " + "あ" * 80 + "\n", min_chars=80).met
    assert not only("length", "あ" * 79, min_chars=80).met
    assert not only("length", "あ" * 2001, min_chars=80, max_chars=2000).met


# --- forbidden ------------------------------------------------------------------------------------

SECRETS = (Secret("大和精機株式会社", "取引先名", 1), Secret("佐藤一郎", "担当者名", 2))


def test_a_planted_secret_blocks_with_its_span_even_at_full_score() -> None:
    ex = exercise(criterion("element", element="task"), criterion("forbidden", id="no-secrets", what=("secrets",)),
                  secrets=SECRETS)
    prompt = "大和精機株式会社の佐藤一郎様へのメールを作成して"
    result = evaluate(ex, prompt)
    assert result.score == 100 and result.blocked and not result.passed and not result.safe_to_send
    blocking = result.criteria[1]
    assert not blocking.met and blocking.blocking and blocking.hint == "no-secretsのヒント"
    assert [(s.text, s.start) for s in blocking.spans] == [("大和精機株式会社", 0), ("佐藤一郎", 9)]
    assert [f.label for f in result.findings] == ["取引先名", "担当者名"]


def test_a_secret_typed_with_full_width_letters_or_spaces_is_still_found() -> None:
    ex = exercise(criterion("forbidden", what=("secrets",)), criterion("element", element="task"),
                  secrets=(Secret("ABC商事", "取引先名", 1),))
    found = evaluate(ex, "ＡＢＣ商事あての文書を作成して").criteria[0]
    assert not found.met and found.spans[0].text == "ＡＢＣ商事"


@pytest.mark.parametrize(("prompt", "text"), [
    ("携帯は090-1234-5678です", "090-1234-5678"),
    ("携帯は０９０－１２３４－５６７８です", "０９０－１２３４－５６７８"),
    ("携帯は０９０\u2212１２３４\u2212５６７８です", "０９０\u2212１２３４\u2212５６７８"),  # minus sign, not a hyphen
    ("連絡先は sato@example.co.jp です", "sato@example.co.jp"),
])
def test_personal_data_blocks(prompt: str, text: str) -> None:
    ex = exercise(criterion("element", element="task"), criterion("forbidden", what=("personal_data",)))
    result = evaluate(ex, prompt)
    assert result.blocked and [s.text for s in result.criteria[1].spans] == [text]


def test_a_criterion_for_secrets_only_does_not_block_personal_data_but_the_finding_is_reported() -> None:
    ex = exercise(criterion("element", element="task"), criterion("forbidden", what=("secrets",)), secrets=SECRETS)
    result = evaluate(ex, "090-1234-5678 に電話する手順を作成して")
    assert not result.blocked and result.passed
    assert not result.safe_to_send and [f.kind for f in result.findings] == ["phone"]


# --- score and pass -------------------------------------------------------------------------------


def test_score_is_the_weighted_share_rounded_down() -> None:
    ex = exercise(criterion("element", id="role", element="role", weight=10),
                  criterion("element", id="task", element="task", weight=10),
                  criterion("element", id="tone", element="tone", weight=10), pass_score=34)
    result = evaluate(ex, "議事録を要約してください。")
    assert result.score == 33 and not result.passed
    assert [c.id for c in result.missed] == ["role", "tone"]
    assert evaluate(ex, "あなたは総務担当です。要約してください。").passed  # 66 >= 34


def test_pass_needs_the_pass_score() -> None:
    ex = exercise(criterion("element", id="task", element="task", weight=70),
                  criterion("element", id="tone", element="tone", weight=30))
    assert evaluate(ex, "要約して").score == 70 and evaluate(ex, "要約して").passed
    assert not evaluate(exercise(*ex.rubric, pass_score=71), "要約して").passed


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["", "   \n", "あ" * 100_000, "1" * 100_000, "あなたは" * 25_000, "<a>" * 33_000,
                                    "要約\x00して\x1b[31m\u202e", "\ud800"],
                         ids=["empty", "blank", "100k", "100k-digits", "100k-role", "100k-tags", "controls", "surrogate"])
def test_any_text_gives_a_result(prompt: str) -> None:
    ex = exercise(*(criterion("element", id=e.replace("_", "-"), element=e) for e in ELEMENTS),
                  criterion("contains", id="facts", any_of=("600",)), criterion("regex", id="re", pattern=r"\d+"),
                  criterion("length", id="len", min_chars=10, max_chars=90_000),
                  criterion("forbidden", id="pd"), secrets=SECRETS)
    result = evaluate(ex, prompt)
    assert 0 <= result.score <= 100 and len(result.criteria) == len(ex.rubric)


def test_an_empty_prompt_scores_zero_and_shows_every_hint() -> None:
    ex = exercise(criterion("element", id="role", element="role"), criterion("element", id="task", element="task"))
    result = evaluate(ex, "")
    assert result.score == 0 and not result.passed and not result.blocked and result.characters == 0
    assert [c.hint for c in result.criteria] == ["roleのヒント", "taskのヒント"]


def test_the_result_is_json_with_spans_and_findings() -> None:
    ex = exercise(criterion("element", id="task", element="task"), criterion("forbidden", id="pd"), secrets=SECRETS)
    data = evaluate(ex, "佐藤一郎さんへの案内を作成して").to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["score"] == 100 and data["blocked"] is True and data["passed"] is False and data["safe_to_send"] is False
    assert data["criteria"][0] == {
        "id": "task", "label": "taskのラベル", "check": "element", "met": True, "weight": 10, "blocking": False,
        "spans": [{"start": 11, "end": 13, "text": "作成"}], "hint": None,
    }
    assert data["criteria"][1]["hint"] == "pdのヒント" and data["criteria"][1]["weight"] == 0
    assert data["findings"] == [{"kind": "secret", "start": 0, "end": 4, "text": "佐藤一郎", "label": "担当者名"}]
