"""Japanese text normalisation: one key for what people type in different widths and scripts."""
import json

from hypothesis import given, settings, strategies as st

from lms.core.text import _fold_with_map_reference, fold, fold_with_map, original_span, squash_spaces
from tests.conftest import shared_path


def test_full_width_letters_and_digits_fold_to_ascii():
    assert fold("ＡＢＣ１２３") == "abc123"


def test_half_width_katakana_with_voiced_marks_folds_to_hiragana():
    assert fold("ｶﾞｲﾄﾞ") == fold("ガイド") == "がいど"


def test_katakana_and_hiragana_compare_equal():
    assert fold("ミナト精工") == fold("みなと精工")


def test_whitespace_runs_become_one_space():
    assert fold("  議事録\u3000\u3000の\t要約 ") == "議事録 の 要約"


def test_compatibility_characters_are_spelt_out():
    assert fold("㈱みなと") == "(株)みなと"


def test_spans_in_the_key_map_back_to_what_was_typed():
    text = "電話はＡＢ ｶﾞｲﾄﾞまで"
    key, origin = fold_with_map(text)
    start = key.index("がいど")
    first, stop = original_span(origin, text, start, start + len("がいど"))
    assert text[first:stop] == "ｶﾞｲﾄﾞ"


def test_squash_spaces():
    assert squash_spaces(" a\u3000 b\n") == "a b"


# The bulk fast path of fold_with_map must equal the piece-by-piece definition.

_ALPHABET = st.sampled_from(
    list("aZ9 \t\n\r\u3000\u00a0\u2028あカｶﾞﾟ\u3099\u309a\u0301゛ヿゟ㈱ß①ＡＺ０－ー漢々〒、。「」")
) | st.characters(codec="utf-8")


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_fast_fold_with_map_equals_the_definition(text):
    assert fold_with_map(text) == _fold_with_map_reference(text)


def test_fast_fold_with_map_equals_the_definition_on_naughty_strings():
    corpus = json.loads(shared_path("naughty-strings", "blns.json").read_text(encoding="utf-8"))
    corpus += ["ｶﾞｲﾄﾞ", "か\u3099き\u3099", " \u3099あ", "\u3099", "Ａ\u3000\u3000Ｂ", "ß㈱ﾊﾟﾝ", "  a  ", "x \u00a0 y"]
    for text in corpus:
        assert fold_with_map(text) == _fold_with_map_reference(text), text
