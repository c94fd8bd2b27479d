"""Japanese search over the use-case catalog, the same results on SQLite and PostgreSQL.

Text is folded with `lms.core.text.fold` (NFKC, case, width, katakana to
hiragana, spaces), so ｼﾌﾄ, シフト and しふと are one key. Each case is indexed as
the set of character unigrams and bigrams of its folded title, tags (the codes
and Japanese labels of its industries, departments, task type, tools and
level) and body (summary, steps, prompt template, points, checks). A code
matches only as a whole word (`retail` is not found by "ai"); labels, titles
and bodies match anywhere.

A unigram or bigram is written as a token of ASCII letters only (each code
point as six hex digits spelt with the letters a-p), so neither SQLite's FTS5
`ascii` tokenizer nor PostgreSQL's parser with the `simple` configuration can
split, stem or drop it: both see the same opaque words. On SQLite the tokens
live in an FTS5 table; on PostgreSQL in a `tsvector` column with a GIN index.

A query is folded and split into words on spaces and punctuation; only the
first `MAX_QUERY_CHARS` characters and `MAX_WORDS` words count, and a query
with no word (control characters, only punctuation) finds nothing. The index
gives the candidates that have every bigram of every word (the unigram for a
one-character word); the app then keeps those whose folded fields really
contain each word and ranks them in Python: more words in the title first, then
in the tags, then in the body; ties by title, then id. The database never
orders anything, so both databases give the same list.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale

from lms.core.text import fold
from lms.core.vocab import INDUSTRIES, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.extensions import db
from lms.usecases.models import Usecase, UsecaseRevision

TABLE = "usecase_search"
MAX_QUERY_CHARS = 100  # of the query as typed; the rest is ignored
MAX_WORDS = 8  # the first eight distinct words count
_BATCH = 500  # cases a statement when (re)indexing


def is_search_table(name: str | None) -> bool:
    """The index table and FTS5's shadow tables: created by migration 0014 only, never by the models."""
    return bool(name) and (name == TABLE or str(name).startswith(TABLE + "_"))


# --- text and tokens ------------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"  # letters (ー and 々 too), digits, marks


def words(text: str) -> list[str]:
    """The folded words of `text`: split on spaces, punctuation, symbols and control characters."""
    folded = fold(text)
    chars = [ch if _is_word_char(ch) else " " for ch in folded]
    return "".join(chars).split()


def query_words(query: str) -> list[str]:
    """The words a query searches for (capped; duplicates dropped, order kept)."""
    unique: list[str] = []
    for word in words(query[:MAX_QUERY_CHARS]):
        if word not in unique:
            unique.append(word)
    return unique[:MAX_WORDS]


def _code(ch: str) -> str:
    return "".join(chr(ord("a") + int(d, 16)) for d in f"{ord(ch):06x}")


def word_tokens(word: str) -> list[str]:
    """The index tokens a word needs: its unigram when one character long, else its bigrams."""
    if len(word) == 1:
        return ["u" + _code(word)]
    return sorted({"b" + _code(a) + _code(b) for a, b in zip(word, word[1:])})


def text_tokens(*texts: str) -> list[str]:
    """Every unigram and bigram of the words of these folded texts (bigrams never span two words)."""
    tokens: set[str] = set()
    for text in texts:
        for word in "".join(ch if _is_word_char(ch) else " " for ch in text).split():
            tokens.update("u" + _code(ch) for ch in word)
            tokens.update("b" + _code(a) + _code(b) for a, b in zip(word, word[1:]))
    return sorted(tokens)


# --- documents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    usecase_id: int
    title_key: str
    tags_key: str  # the Japanese labels (and departments)
    codes_key: str  # the codes, as words (food_service -> "food service"): a query word must equal one
    body_key: str

    def tokens(self) -> str:
        return " ".join(text_tokens(self.title_key, self.tags_key, self.codes_key, self.body_key))


def _labels() -> Callable[[dict[str, Any], str], str]:
    with force_locale("ja"):
        ja = {id(table): {code: str(label) for code, label in table.items()}
              for table in (INDUSTRIES, USECASE_TASK_TYPES, USECASE_TOOLS, USECASE_LEVELS)}
    return lambda table, code: ja[id(table)].get(code, "")


def document(usecase: Usecase, parsed: dict[str, Any], label: Callable[[dict[str, Any], str], str]) -> Document:
    codes = [*(usecase.industries or []), usecase.task_type, *(usecase.tools or []), usecase.level]
    tags = [*(label(INDUSTRIES, c) for c in usecase.industries or []), *(usecase.departments or []),
            label(USECASE_TASK_TYPES, usecase.task_type), *(label(USECASE_TOOLS, c) for c in usecase.tools or []),
            label(USECASE_LEVELS, usecase.level)]
    body = [parsed.get("summary") or usecase.summary, *parsed.get("steps", []), parsed.get("template", ""),
            parsed.get("points", ""), *parsed.get("checks", [])]
    # Fields are joined with a line break, which folds to a space: no bigram spans two of them.
    return Document(usecase.id, fold(usecase.title), fold("\n".join(t for t in tags if t)),
                    " ".join(words(" ".join(codes))), fold("\n".join(t for t in body if t)))


# --- maintenance ----------------------------------------------------------------------------------


def _ids(usecases: Iterable[int | Usecase]) -> list[int]:
    return sorted({u.id if isinstance(u, Usecase) else int(u) for u in usecases})


def reindex(usecases: Collection[int | Usecase]) -> int:
    """Bring the index up to date for these cases (ids or rows): live ones (re)indexed, archived or gone ones dropped.

    Call after a flush. Returns the number of cases now in the index among them.
    """
    ids = _ids(usecases)
    if not ids:
        return 0
    label = _labels()
    indexed = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        _delete(chunk)
        rows = db.session.execute(
            sa.select(Usecase, UsecaseRevision.parsed)
            .join(UsecaseRevision, Usecase.current_revision_id == UsecaseRevision.id)
            .where(Usecase.id.in_(chunk), Usecase.is_archived.is_(False))
        ).all()
        docs = [document(usecase, parsed or {}, label) for usecase, parsed in rows]
        _insert(docs)
        indexed += len(docs)
    return indexed


def reindex_all(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index (every live case); `progress(done, total)` after each batch."""
    db.session.execute(sa.text(f"DELETE FROM {TABLE}"))
    ids = list(db.session.scalars(sa.select(Usecase.id).where(Usecase.is_archived.is_(False)).order_by(Usecase.id)))
    done = 0
    for start in range(0, len(ids), _BATCH):
        done += reindex(ids[start:start + _BATCH])
        if progress is not None:
            progress(min(start + _BATCH, len(ids)), len(ids))
    return done


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _delete(ids: list[int]) -> None:
    column = "rowid" if _sqlite() else "usecase_id"
    db.session.execute(sa.text(f"DELETE FROM {TABLE} WHERE {column} IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})


def _insert(docs: list[Document]) -> None:
    if not docs:
        return
    if _sqlite():
        statement = (f"INSERT INTO {TABLE} (rowid, title_key, tags_key, codes_key, body_key, tokens) "
                     "VALUES (:id, :title, :tags, :codes, :body, :tokens)")
    else:
        statement = (f"INSERT INTO {TABLE} (usecase_id, title_key, tags_key, codes_key, body_key, tokens) "
                     "VALUES (:id, :title, :tags, :codes, :body, to_tsvector('simple', :tokens))")
    db.session.execute(sa.text(statement), [
        {"id": d.usecase_id, "title": d.title_key, "tags": d.tags_key, "codes": d.codes_key, "body": d.body_key,
         "tokens": d.tokens()} for d in docs])


# --- query --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One matching live case, with what facets and filters need."""

    id: int
    slug: str
    title: str
    industries: tuple[str, ...]
    departments: tuple[str, ...]
    task_type: str
    tools: tuple[str, ...]
    level: str
    rank: tuple[int, int, int]  # words found in the title, the tags, the body


def _candidates(tokens: list[str]) -> sa.TextClause:
    columns = ("u.id, u.slug, u.title, u.industries, u.departments, u.task_type, u.tools, u.level, "
               "s.title_key, s.tags_key, s.codes_key, s.body_key")
    if _sqlite():
        sql = (f"SELECT {columns} FROM {TABLE} AS s JOIN usecases AS u ON u.id = s.rowid "
               f"WHERE {TABLE} MATCH :match AND u.is_archived = 0")
        params = {"match": " AND ".join(tokens)}
    else:
        sql = (f"SELECT {columns} FROM {TABLE} AS s JOIN usecases AS u ON u.id = s.usecase_id "
               "WHERE s.tokens @@ to_tsquery('simple', :match) AND NOT u.is_archived")
        params = {"match": " & ".join(tokens)}
    return sa.text(sql).bindparams(**params).columns(
        sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("title", sa.String),
        sa.column("industries", sa.JSON), sa.column("departments", sa.JSON), sa.column("task_type", sa.String),
        sa.column("tools", sa.JSON), sa.column("level", sa.String), sa.column("title_key", sa.String),
        sa.column("tags_key", sa.String), sa.column("codes_key", sa.String), sa.column("body_key", sa.String))


def search(query: str) -> list[Hit]:
    """The live cases matching every word of `query`, best first (see the module docstring)."""
    terms = query_words(query)
    if not terms:
        return []
    tokens = sorted({t for word in terms for t in word_tokens(word)})
    hits: list[Hit] = []
    for row in db.session.execute(_candidates(tokens)):
        title = tags = body = 0
        codes = row.codes_key.split()
        for word in terms:
            if word in row.title_key:
                title += 1
            elif word in row.tags_key or word in codes:
                tags += 1
            elif word in row.body_key:
                body += 1
            else:
                break  # every bigram is there, but not this word (bigram AND over-matches)
        else:
            hits.append(Hit(row.id, row.slug, row.title, tuple(row.industries or ()), tuple(row.departments or ()),
                            row.task_type, tuple(row.tools or ()), row.level, (title, tags, body)))
    hits.sort(key=lambda h: (-h.rank[0], -h.rank[1], -h.rank[2], h.title, h.id))
    return hits
