"""Japanese text normalisation: one key for what people type in different widths and scripts."""
from lms.core.text import fold, fold_with_map, original_span, squash_spaces


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


def test_folding_the_same_text_twice_gives_an_independent_map():
    # fold_with_map is cached (the rubric and the guard fold the same prompt); a caller's changes must not leak.
    key, origin = fold_with_map("ｶﾞｲﾄﾞ")
    origin.clear()
    assert fold_with_map("ｶﾞｲﾄﾞ") == ("がいど", [0, 2, 3])
