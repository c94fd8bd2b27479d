"""Japanese search over the use-case catalog: the same exact id lists on SQLite and PostgreSQL.

The suite runs on both databases (scripts/test.sh); every assertion here is an
exact list, so passing on both is the proof that both give identical results.
"""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.courses.sync import Author
from lms.extensions import db
from lms.usecases import search as search_module
from lms.usecases.models import Usecase
from lms.core.vocab import INDUSTRIES
from lms.usecases.search import MAX_QUERY_CHARS, MAX_WORDS, query_words, reindex, reindex_all, search
from lms.usecases.sync import sync_usecases
from tests.usecaseworld import parsed


def case(title: str, summary: str, *, industries: str = "[all]", departments: str = "[総務]",
         task_type: str = "writing", tools: str = "[image]", level: str = "beginner", step: str = "元の資料を用意します。",
         template: str = "次の【資料】を読みやすく整えてください。") -> str:
    return f"""---
title: {title}
summary: {summary}
industries: {industries}
departments: {departments}
task_type: {task_type}
tools: {tools}
level: {level}
{"risks:" + chr(10) + "  - 聞き間違い → 折り返しの確認で防ぐ" + chr(10) if level == "systematic" else ""}data_class: internal
never_enter:
  - 取引先の担当者名
checks:
  - 数字と固有名詞が元の資料どおりか
time_saved: {{minutes: 30, basis: example}}
checkin_task: documents
---

## 手順

1. {step}
2. ひな形に貼り付けて、下書きを出させます。
3. 担当者が読み直して仕上げます。

## プロンプトのひな形

```text
{template}
```
"""


# A fixed catalog. Comments say why each case is here.
CASES = {
    "shift-shitagaki": case("シフト表の下書きを作る", "スタッフの希望から翌月の勤務の割り振りを作ります。",
                            industries="[retail, food_service]", departments="[店舗]", task_type="data"),
    # シフト only in the body, half-width: still found by every spelling, ranked after the title match.
    "kaigo-kinmu": case("職員の勤務表を組む", "夜勤と日勤の組み合わせを、ｼﾌﾄの条件どおりに並べます。",
                        industries="[healthcare_welfare]", departments="[介護]", task_type="data"),
    # 会議 and 議事録 in the title; 要約 in the body and in the task type's label (要約・整理).
    "gijiroku": case("会議の議事録を作成する", "録音の文字起こしから要点を要約し、決定事項と宿題を書き出します。",
                     task_type="summarizing", tools="[meeting, chat]"),
    "mail-youyaku": case("長いメールを要約する", "取引先からの長文のメールの要点を三行にまとめます。",
                         departments="[営業]", task_type="summarizing"),
    "seikyu-shougou": case("請求書の金額を照合する", "注文書と請求書の金額と数量の違いを一覧にします。",
                           industries="[wholesale]", departments="[経理]", task_type="checking"),
    "nyukin-kakunin": case("入金の確認を早くする", "銀行の入金明細と請求の一覧を突き合わせ、未入金を洗い出します。",
                           industries="[wholesale, services]", departments="[経理]", task_type="data"),
    # AI in the title (and in the chat tool's label, 対話型の生成AI, on the case below too).
    "ai-denwa": case("AI電話で予約を受け付ける", "営業時間外の電話予約を受け、内容を記録に残します。",
                     industries="[accommodation]", departments="[顧客対応]", task_type="voice", tools="[voice]",
                     level="systematic"),
    # Full-width letters in the title: ＡＩ folds to ai.
    "kyujinhyo": case("ＡＩで求人票を作成する", "仕事内容と条件から、求職者に伝わる求人票の文面を作ります。",
                      departments="[人事]", tools="[chat]"),
    "sns-toukou": case("SNS投稿の文案を作る", "新商品のお知らせをInstagram向けの短い文章にします。",
                       industries="[retail]", departments="[マーケティング]", task_type="ideas"),
    "kaigo-kiroku": case("介護記録の文章を整える", "職員のメモから、ご家族に伝わる丁寧な記録文を作ります。",
                         industries="[healthcare_welfare]", departments="[介護]"),
    # Has the bigrams 議事 and 事録 but never 議事録: the app's substring check drops it.
    "teirei-kaigi": case("定例会議の進行表を作る", "議事を進める順番と、社内行事録画の担当を一覧にします。",
                         task_type="ideas"),
}
ARCHIVED = {"old-shift": case("シフトの希望を集める", "希望休を集めます。")}


@pytest.fixture
def catalog(app: Flask) -> dict[str, int]:
    """The fixed catalog synced (the archived case synced first, then dropped by the second sync)."""
    author = Author(None, "test")
    sync_usecases([parsed(k, v) for k, v in {**CASES, **ARCHIVED}.items()], author=author)
    sync_usecases([parsed(k, v) for k, v in CASES.items()], author=author)  # archives old-shift
    return dict(db.session.execute(sa.select(Usecase.slug, Usecase.id)).all())


def ids(query: str) -> list[str]:
    return [hit.slug for hit in search(query)]


SHIFT = ["shift-shitagaki", "kaigo-kinmu"]


@pytest.mark.parametrize("query, expected", [
    # Every spelling of シフト finds the same cases: the title match first, the body match after.
    ("ｼﾌﾄ", SHIFT), ("シフト", SHIFT), ("しふと", SHIFT), ("シフト表", ["shift-shitagaki"]),
    # Two-character words: title before tags (要約・整理, the task type) before body.
    ("要約", ["mail-youyaku", "gijiroku"]),
    ("会議", ["gijiroku", "teirei-kaigi"]),  # both in the title: by title (会 before 定)
    # AI: in two titles (ties by the title as written: A before Ａ), then in gijiroku's chat tool label 対話型の生成AI.
    ("AI", ["ai-denwa", "kyujinhyo", "gijiroku"]),
    ("ai", ["ai-denwa", "kyujinhyo", "gijiroku"]),
    ("ＡＩ", ["ai-denwa", "kyujinhyo", "gijiroku"]),
    # Words AND together; the title holds both.
    ("議事録 作成", ["gijiroku"]), ("議事録　作成", ["gijiroku"]),
    # 議事録 is in gijiroku's title and in the meeting tool's label (議事録・文字起こし) of that same case;
    # teirei-kaigi has 議事 and 事録 but not 議事録.
    ("議事録", ["gijiroku"]),
    ("請求", ["seikyu-shougou", "nyukin-kakunin"]),
    # 介護: titles, then the department 介護 / industry 医療・福祉 tags (kaigo-kinmu has 介護 as a department).
    ("介護", ["kaigo-kiroku", "kaigo-kinmu"]),
    # One character (求人票 has 票, not 表): three titles, ordered by title as written (シ, 定, 職).
    ("表", ["shift-shitagaki", "teirei-kaigi", "kaigo-kinmu"]),
    # Mixed width and case.
    ("ｓｎｓ", ["sns-toukou"]), ("Sns 投稿", ["sns-toukou"]), ("Ａｉ電話", ["ai-denwa"]),
    ("INSTAGRAM", ["sns-toukou"]),
    # Tags in Japanese and as codes.
    ("卸売", ["nyukin-kakunin", "seikyu-shougou"]), ("wholesale", ["nyukin-kakunin", "seikyu-shougou"]),
    # A code matches as a whole word only: "ai" is not found in retail, nor "retai" at all.
    ("food_service", ["shift-shitagaki"]), ("retail", ["sns-toukou", "shift-shitagaki"]), ("retai", []),
    # Nothing matches.
    ("シフト 請求", []), ("ロボット", []),
])
def test_japanese_queries_give_exact_ids_in_rank_order(catalog: dict[str, int], query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize("query", [
    "", "   ", "　", "。", "、。！？「」", "\x00\x01\x1f\x7f", "\u200b", "%_*\"'()", "AND OR NOT", "あ" * 1000,
    "シフト" * 400, "\ud800", "-- ; DROP TABLE usecases", "' OR 1=1 --", "NEAR(シフト)",
])
def test_bad_input_gives_an_empty_or_normal_result_never_an_error(catalog: dict[str, int], query: str) -> None:
    assert isinstance(search(query), list)
    if query.strip(" 　。、！？「」%_*\"'()\x00\x01\x1f\x7f\u200b\ud800") == "":
        assert search(query) == []


def test_long_queries_and_many_words_are_capped() -> None:
    assert query_words("あ" * 1000) == ["あ" * MAX_QUERY_CHARS]
    many = " ".join(f"語{i}" for i in range(20))
    assert len(query_words(many)) == MAX_WORDS
    assert query_words("シフト ｼﾌﾄ しふと") == ["しふと"]
    assert query_words("。") == []
    assert query_words("議事録・作成") == ["議事録", "作成"]


def test_control_characters_and_punctuation_split_words(catalog: dict[str, int]) -> None:
    assert ids("シフト\x00") == SHIFT
    assert ids("「シフト」") == SHIFT
    assert ids("議事録、作成。") == ["gijiroku"]


def test_archived_cases_are_not_found_and_reindex_drops_them(catalog: dict[str, int]) -> None:
    assert "old-shift" in catalog and "old-shift" not in ids("シフト")
    usecase = db.session.get(Usecase, catalog["shift-shitagaki"])
    assert usecase is not None
    usecase.is_archived = True
    db.session.flush()
    assert reindex([usecase]) == 0
    assert ids("シフト") == ["kaigo-kinmu"]
    usecase.is_archived = False
    db.session.flush()
    assert reindex([usecase.id]) == 1
    assert ids("シフト") == SHIFT


def test_sync_keeps_the_index_current_on_update_and_archive(catalog: dict[str, int]) -> None:
    changed = {**CASES, "sns-toukou": case("SNS投稿の文案を作る", "新メニューのお知らせを短い文章にします。")}
    del changed["kaigo-kinmu"]
    sync_usecases([parsed(k, v) for k, v in changed.items()], author=Author(None, "test"))
    assert ids("instagram") == []
    assert ids("新メニュー") == ["sns-toukou"]
    assert ids("シフト") == ["shift-shitagaki"]  # kaigo-kinmu was archived


def test_reindex_all_rebuilds_the_same_index(catalog: dict[str, int]) -> None:
    before = {q: ids(q) for q in ("シフト", "要約", "表", "AI", "卸売")}
    search_module._delete(list(catalog.values()))
    assert ids("シフト") == []
    seen: list[tuple[int, int]] = []
    assert reindex_all(lambda done, total: seen.append((done, total))) == len(CASES)
    assert seen == [(len(CASES), len(CASES))]
    assert {q: ids(q) for q in before} == before


def test_bigrams_over_match_and_the_app_drops_what_lacks_the_word(catalog: dict[str, int]) -> None:
    candidates = set(db.session.execute(search_module._candidates(["議事録"])).scalars())
    assert candidates == {catalog["gijiroku"], catalog["teirei-kaigi"]}  # 議事 + 事録 (行事録画) without 議事録
    assert ids("議事録") == ["gijiroku"]


def test_tokens_are_lowercase_ascii_letters_that_the_database_keeps_whole(catalog: dict[str, int]) -> None:
    tokens = search_module.text_tokens("しふと表 ai")
    assert all(t.isascii() and t.isalpha() and t.islower() for t in tokens)
    assert len(tokens) == 6 + 4  # unigrams し ふ と 表 a i; bigrams しふ ふと と表 ai (none across the space)
    document = search_module.Document(catalog["sns-toukou"], "sns-toukou", "", "", "", "", "しふと表 ai", "||||")
    stored = document.tokens()
    if db.engine.dialect.name == "postgresql":
        lexemes = db.session.scalar(sa.text("SELECT array_to_string(tsvector_to_array(to_tsvector('simple', :t)), ' ')"),
                                    {"t": stored})
        assert sorted(lexemes.split()) == tokens
    for token in tokens:  # each token alone finds the one row that has it
        search_module._delete(list(catalog.values()))
        search_module._insert([document])
        index = sa.text(f"SELECT {'rowid' if db.engine.dialect.name == 'sqlite' else 'usecase_id'} FROM "
                        f"{search_module.TABLE} WHERE " + ("usecase_search MATCH :t" if db.engine.dialect.name == "sqlite"
                                                          else "tokens @@ to_tsquery('simple', :t)"))
        assert list(db.session.scalars(index, {"t": token})) == [catalog["sns-toukou"]]


def test_the_index_is_the_one_the_database_can_use(catalog: dict[str, int]) -> None:
    """SQLite: an FTS5 table. PostgreSQL: the vectors stay in the row (STORAGE MAIN) beside a GIN index; in TOAST,
    the planner took the table for tiny and scanned it, detoasting every vector (~200 ms at 10,000 cases)."""
    if db.engine.dialect.name == "sqlite":
        sql = db.session.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'usecase_search'"))
        assert "fts5" in sql and "tokenize='ascii'" in sql
    else:
        storage = db.session.scalar(sa.text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'usecase_search'::regclass AND attname = 'tokens'"))
        assert storage == "m"
        method = db.session.scalar(sa.text(
            "SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "WHERE i.indrelid = 'usecase_search'::regclass AND c.relname = 'ix_usecase_search_tokens'"))
        assert method == "gin"


def test_the_cli_prints_matching_ids_in_rank_order(app: Flask, catalog: dict[str, int]) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["usecases", "search", "ｼﾌﾄ"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == SHIFT
    result = runner.invoke(args=["usecases", "search", "\x00。"])
    assert (result.exit_code, result.output) == (0, "")


def test_the_cli_rebuilds_the_index_with_progress(app: Flask, catalog: dict[str, int]) -> None:
    search_module._delete(list(catalog.values()))
    result = app.test_cli_runner().invoke(args=["usecases", "reindex"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"indexed {len(CASES)}/{len(CASES)}", f"{len(CASES)} use case(s) in the search index"]
    assert ids("要約") == ["mail-youyaku", "gijiroku"]


# --- the catalog page: query, facets and their counts ------------------------------------------------


def page_ids(page: str, catalog: dict[str, int]) -> list[str]:
    """Case ids in the order their links appear in the list (recommendations above it left out)."""
    page = page[page.find('<ul class="cards">'):] if '<ul class="cards">' in page else page
    found = [(page.index(f'/cases/{slug}"'), slug) for slug in catalog if f'/cases/{slug}"' in page]
    return [slug for _, slug in sorted(found)]


def facet_counts(page: str, name: str) -> dict[str, int]:
    """code -> count of the facet links of `name` on the page (the link that sets name=code)."""
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    counts: dict[str, int] = {}
    section = page.split(f'data-facet="{name}"', 1)[1].split("</ul>", 1)[0]
    for href, count in re.findall(r'<a href="([^"]+)"[^>]*>[^<]*<span class="count">(\d+)</span>', section):
        counts[parse_qs(urlsplit(unescape(href)).query)[name][0]] = int(count)
    return counts


@pytest.fixture
def reader(catalog: dict[str, int], client: Any, create_org: Any, create_user: Any) -> str:
    from lms.accounts.roles import Role

    org = create_org(industry="healthcare_welfare")
    user = create_user(org, roles=(Role.EMPLOYEE,))
    db.session.commit()
    client.login(user.email)
    return f"/o/{org.id}/cases/"


def test_the_catalog_searches_in_rank_order_with_every_spelling(catalog: dict[str, int], client: Any, reader: str) -> None:
    for query in ("ｼﾌﾄ", "シフト", "しふと"):
        response = client.get(reader, query_string={"q": query})
        assert response.status_code == 200
        assert page_ids(response.get_data(as_text=True), catalog) == SHIFT
    page = client.get(reader, query_string={"q": "請求"}).get_data(as_text=True)
    assert page_ids(page, catalog) == ["seikyu-shougou", "nyukin-kakunin"]
    assert "2件" in page or "2 cases" in page


def test_without_a_query_the_company_industry_comes_first(catalog: dict[str, int], client: Any, reader: str) -> None:
    page = client.get(reader).get_data(as_text=True)
    listed = page_ids(page, catalog)
    # healthcare_welfare and all-industry cases first, by title; then the rest, by title.
    first = sorted((s for s, t in CASES.items() if "[all]" in t or "healthcare_welfare" in t),
                   key=lambda s: parsed(s, CASES[s]).title)
    assert listed[:len(first)] == first and set(listed) == set(CASES)


def test_facets_count_the_current_result_and_combine_with_the_query(catalog: dict[str, int], client: Any, reader: str) -> None:
    page = client.get(reader, query_string={"q": "介護"}).get_data(as_text=True)
    assert page_ids(page, catalog) == ["kaigo-kiroku", "kaigo-kinmu"]
    assert facet_counts(page, "department") == {"介護": 2}
    assert facet_counts(page, "task_type") == {"writing": 1, "data": 1}
    assert facet_counts(page, "industry") == {"healthcare_welfare": 2}
    assert facet_counts(page, "level") == {"beginner": 2}
    assert facet_counts(page, "tool") == {"image": 2}
    # A facet link keeps the query; following it narrows the result.
    assert f'href="{reader}?task_type=data&amp;q=%E4%BB%8B%E8%AD%B7"' in page or "q=%E4%BB%8B%E8%AD%B7" in page
    narrowed = client.get(reader, query_string={"q": "介護", "task_type": "data"}).get_data(as_text=True)
    assert page_ids(narrowed, catalog) == ["kaigo-kinmu"]
    assert facet_counts(narrowed, "task_type") == {"data": 1}
    # Industry "all" cases belong to every industry's link.
    summary = client.get(reader, query_string={"q": "要約"}).get_data(as_text=True)
    assert facet_counts(summary, "industry") == {code: 2 for code in INDUSTRIES}
    by_retail = client.get(reader, query_string={"q": "要約", "industry": "retail"}).get_data(as_text=True)
    assert page_ids(by_retail, catalog) == ["mail-youyaku", "gijiroku"]


def test_facets_without_a_query_count_the_whole_catalog_and_filters(catalog: dict[str, int], client: Any, reader: str) -> None:
    page = client.get(reader).get_data(as_text=True)
    assert facet_counts(page, "department") == {"店舗": 1, "介護": 2, "総務": 2, "営業": 1, "経理": 2, "顧客対応": 1,
                                                "人事": 1, "マーケティング": 1}
    assert facet_counts(page, "level") == {"beginner": 10, "systematic": 1}
    assert facet_counts(page, "industry")["wholesale"] == 2 + 4  # two wholesale cases and four for every industry
    filtered = client.get(reader, query_string={"department": "経理", "tool": "image"}).get_data(as_text=True)
    assert page_ids(filtered, catalog) == ["nyukin-kakunin", "seikyu-shougou"]
    assert facet_counts(filtered, "task_type") == {"checking": 1, "data": 1}
    assert facet_counts(filtered, "industry") == {"wholesale": 2, "services": 1}


@pytest.mark.parametrize("query", ["。", "あ" * 1000, "、。！？", "%", "' OR 1=1 --", "\u3000"])
def test_bad_queries_on_the_page_give_an_empty_list_never_an_error(catalog: dict[str, int], client: Any, reader: str,
                                                                   query: str) -> None:
    response = client.get(reader, query_string={"q": query, "page": "99999999", "industry": "<x>"})
    assert response.status_code == 200
    if query.strip("\u3000"):
        assert page_ids(response.get_data(as_text=True), catalog) == []


def test_control_characters_in_the_page_query_meet_the_app_wide_url_rule(catalog: dict[str, int], client: Any,
                                                                          reader: str) -> None:
    # Every URL query with a character the input rule refuses is a 400 page (lms/web.py), never a 5xx;
    # the search itself (the CLI, other callers) treats them as separators: see the tests above.
    assert client.get(reader, query_string={"q": "\x00\x01"}).status_code == 400


def test_a_sync_indexes_live_cases_the_index_lacks(catalog: dict[str, int]) -> None:
    search_module._delete([catalog["sns-toukou"], catalog["gijiroku"]])  # as after upgrading to the search
    assert ids("sns") == []
    sync_usecases([parsed(k, v) for k, v in CASES.items()], author=Author(None, "test"))  # nothing changed
    assert ids("sns") == ["sns-toukou"] and ids("議事録") == ["gijiroku"]


def test_generated_cases_are_fictional_imports_that_file_sync_leaves_alone(app: Flask, catalog: dict[str, int]) -> None:
    result = app.test_cli_runner().invoke(args=["usecases", "generate", "--count", "30", "--seed", "3"])
    assert result.exit_code == 0, result.output
    generated = list(db.session.scalars(sa.select(Usecase).where(Usecase.slug.like("gen-%")).order_by(Usecase.slug)))
    assert [u.slug for u in generated] == [f"gen-{n:05d}" for n in range(1, 31)]
    assert all(u.origin == Usecase.IMPORT and "生成データ・架空の事例" in u.summary for u in generated)
    assert len({u.title for u in generated}) > 20  # varied titles
    sync_usecases([parsed(k, v) for k, v in CASES.items()], author=Author(None, "test"))  # files only
    assert not any(u.is_archived for u in generated)
    assert generated[0].slug in ids(generated[0].title)
    assert set(ids("生成データ")) == {u.slug for u in generated}


def test_a_process_reads_the_documents_again_only_after_the_catalog_changed(catalog: dict[str, int]) -> None:
    reads: list[str] = []

    def counted(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM usecase_search_docs" in statement and "body_key" not in statement:
            reads.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        token = search_module.catalog_token()
        assert ids("シフト") == SHIFT
        assert ids("介護") and ids("シフト") == SHIFT
        assert len(reads) <= 1  # at most once (another test may have left this token's copy)

        changed = {**CASES, "kaigo-kinmu": CASES["kaigo-kinmu"].replace("title: ", "title: 深夜帯の", 1)}
        sync_usecases([parsed(k, v) for k, v in changed.items()], author=Author(None, "test"))
        assert search_module.catalog_token() != token
        before = len(reads)
        assert [(hit.slug, hit.title) for hit in search("深夜帯")] == [("kaigo-kinmu", "深夜帯の職員の勤務表を組む")]
        assert ids("シフト") == SHIFT
        assert len(reads) == before + 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
