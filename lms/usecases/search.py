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
live in an FTS5 table; on PostgreSQL in a `tsvector` column with a GIN index
(table `usecase_search`, made by its migration only). The folded fields sit in
`usecase_search_docs` (a model). Archived cases are in neither.

A query is folded and split into words on spaces and punctuation; only the
first `MAX_QUERY_CHARS` characters and `MAX_WORDS` words count, and a query
with no word (control characters, only punctuation) finds nothing. The index
gives the ids of the candidates that have every bigram of every word (the
unigram for a one-character word); the app then keeps those whose folded fields really
contain each word (bigram AND over-matches words of three or more characters;
only then is the body read) and ranks them in Python: more words in the title first, then
in the tags, then in the body; ties by title, then id. The database never
orders anything, so both databases give the same list.

Each process keeps the folded titles, tags and facets of every live case (not
the bodies) under the catalog's version token (`CatalogVersion`), which
`reindex` replaces: a search reads the token (one primary-key lookup) and the
candidate ids, and loads the documents again only after the catalog changed.
At 10,000 cases they take about 10 MB a process.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import force_locale

from lms.core.clock import utcnow
from lms.core.text import fold
from lms.core.vocab import INDUSTRIES, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.extensions import db
from lms.usecases.models import CatalogVersion, Usecase, UsecaseRevision, UsecaseSearchDoc

TABLE = "usecase_search"
MAX_QUERY_CHARS = 100  # of the query as typed; the rest is ignored
MAX_WORDS = 8  # the first eight distinct words count
_BATCH = 500  # cases a statement when (re)indexing


_SHADOW = frozenset(f"{TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config"))


def is_search_table(name: str | None) -> bool:
    """The token index and FTS5's shadow tables: created by migration 0014 only, never by the models."""
    return name == TABLE or name in _SHADOW


# --- text and tokens ------------------------------------------------------------------------------


# A word: a run of letters and digits (ー and 々 are letters); spaces, punctuation, symbols, "_" and
# control characters separate words. Queries and the index split text with this one pattern.
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The folded words of `text`."""
    return _WORD.findall(fold(text))


def query_words(query: str) -> list[str]:
    """The words a query searches for (capped; duplicates dropped, order kept)."""
    unique: list[str] = []
    for word in words(query[:MAX_QUERY_CHARS]):
        if word not in unique:
            unique.append(word)
    return unique[:MAX_WORDS]


_CODES: dict[str, str] = {}


def _code(ch: str) -> str:
    """A character as six letters a-p (its code point in hex, digit by digit), cached."""
    code = _CODES.get(ch)
    if code is None:
        code = _CODES[ch] = "".join(chr(ord("a") + int(d, 16)) for d in f"{ord(ch):06x}")
    return code


def code_token(word: str) -> str:
    """The token of a whole code word (retail, food, service): codes match only whole, never by bigram."""
    return "c" + "".join(map(_code, word))


def word_tokens(word: str) -> list[str]:
    """The index tokens a word needs: its unigram when one character long, else its bigrams."""
    if len(word) == 1:
        return ["u" + _code(word)]
    return sorted({"b" + _code(a) + _code(b) for a, b in zip(word, word[1:], strict=False)})


def text_tokens(*texts: str) -> list[str]:
    """Every unigram and bigram of the words of these folded texts (bigrams never span two words)."""
    chars: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        for word in _WORD.findall(text):
            chars.update(word)
            pairs.update(zip(word, word[1:], strict=False))
    unigrams = {"u" + _code(ch) for ch in chars}  # every character's code is cached from here on
    code = _CODES
    return sorted(unigrams | {"b" + code[a] + code[b] for a, b in pairs})


# --- documents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    usecase_id: int
    slug: str
    title: str
    title_key: str
    tags_key: str  # the Japanese labels (and departments)
    codes_key: str  # the codes, as words (food_service -> "food service"): a query word must equal one
    body_key: str
    facets: str  # see Hit.facet

    def tokens(self) -> str:
        grams = text_tokens(self.title_key, self.tags_key, self.body_key)
        return " ".join([*grams, *sorted({code_token(w) for w in self.codes_key.split()})])


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
    facets = "|".join(" ".join(part) for part in (
        usecase.industries or [], usecase.departments or [], [usecase.task_type], usecase.tools or [], [usecase.level]))
    return Document(usecase.id, usecase.slug, usecase.title, fold(usecase.title), fold("\n".join(t for t in tags if t)),
                    " ".join(words(" ".join(codes))), fold("\n".join(t for t in body if t)), facets)


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
    _changed()
    label = _labels()
    indexed = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        _delete(chunk)
        # Two lookups by primary key, not a join: inside the transaction that just wrote thousands of cases the
        # planner's statistics still say the tables are empty, and PostgreSQL then joined by a nested loop over
        # every revision for each batch (minutes for a 10,000-row import).
        cases = list(db.session.scalars(
            sa.select(Usecase).where(Usecase.id.in_(chunk), Usecase.is_archived.is_(False))))
        revision_ids = [u.current_revision_id for u in cases if u.current_revision_id is not None]
        parsed_of: dict[int, dict[str, Any]] = dict(db.session.execute(
            sa.select(UsecaseRevision.id, UsecaseRevision.parsed).where(UsecaseRevision.id.in_(revision_ids))
        ).all()) if revision_ids else {}
        docs = [document(usecase, parsed_of[usecase.current_revision_id] or {}, label)
                for usecase in cases if usecase.current_revision_id in parsed_of]
        _insert(docs)
        indexed += len(docs)
    return indexed


def unindexed(origin: str) -> list[int]:
    """Live cases of `origin` missing from the index (none, unless the index was added or emptied since)."""
    return list(db.session.scalars(sa.select(Usecase.id).where(
        Usecase.origin == origin, Usecase.is_archived.is_(False),
        Usecase.id.not_in(sa.select(UsecaseSearchDoc.usecase_id)))))


def reindex_all(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index (every live case); `progress(done, total)` after each batch."""
    db.session.execute(sa.text(f"DELETE FROM {TABLE}"))
    db.session.execute(sa.delete(UsecaseSearchDoc))
    _changed()
    ids = list(db.session.scalars(sa.select(Usecase.id).where(Usecase.is_archived.is_(False)).order_by(Usecase.id)))
    done = 0
    for start in range(0, len(ids), _BATCH):
        done += reindex(ids[start:start + _BATCH])
        if progress is not None:
            progress(min(start + _BATCH, len(ids)), len(ids))
    return done


def catalog_token() -> str | None:
    """The catalog's current version token, as this transaction sees it (None before migration 0017's row)."""
    return db.session.execute(sa.select(CatalogVersion.token).where(CatalogVersion.id == 1)).scalar_one_or_none()


def _changed() -> None:
    """A new version token: every process reloads what it derived from the catalog."""
    values = {"token": secrets.token_hex(16), "changed_at": utcnow()}
    updated = db.session.execute(sa.update(CatalogVersion).where(CatalogVersion.id == 1).values(**values))
    if not updated.rowcount:  # type: ignore[attr-defined]
        db.session.add(CatalogVersion(id=1, **values))
        db.session.flush()


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _delete(ids: list[int]) -> None:
    column = "rowid" if _sqlite() else "usecase_id"
    db.session.execute(sa.text(f"DELETE FROM {TABLE} WHERE {column} IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
    db.session.execute(sa.delete(UsecaseSearchDoc).where(UsecaseSearchDoc.usecase_id.in_(ids)))


def _insert(docs: list[Document]) -> None:
    if not docs:
        return
    if _sqlite():
        statement = f"INSERT INTO {TABLE} (rowid, tokens) VALUES (:id, :tokens)"
    else:
        statement = f"INSERT INTO {TABLE} (usecase_id, tokens) VALUES (:id, to_tsvector('simple', :tokens))"
    db.session.execute(sa.text(statement), [{"id": d.usecase_id, "tokens": d.tokens()} for d in docs])
    db.session.execute(sa.insert(UsecaseSearchDoc), [
        {"usecase_id": d.usecase_id, "slug": d.slug, "title": d.title, "title_key": d.title_key,
         "tags_key": d.tags_key, "codes_key": d.codes_key, "body_key": d.body_key, "facets": d.facets} for d in docs])


# --- query --------------------------------------------------------------------------------------


FACETS = ("industry", "department", "task_type", "tool", "level")


class Hit(NamedTuple):
    """A live case as the search returns it: made once a process and catalog version, shared by every query."""

    id: int
    slug: str
    title: str
    codes: dict[str, tuple[str, ...]]  # facet name -> the case's codes (industry, department, task_type, tool, level)

    def facet(self) -> dict[str, tuple[str, ...]]:
        return self.codes


def _match(terms: list[str]) -> str:
    """The index query: every word's bigrams (or unigram), or for an ASCII word also the code of that name."""
    sqlite = _sqlite()
    and_, or_ = (" AND ", " OR ") if sqlite else (" & ", " | ")
    clauses = []
    for word in terms:
        clause = and_.join(word_tokens(word))
        if word.isascii():
            clause = f"({clause}){or_}{code_token(word)}"
        clauses.append(f"({clause})")
    return and_.join(clauses)


def _candidates(terms: list[str]) -> sa.TextClause:
    if _sqlite():
        return sa.text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :match").bindparams(match=_match(terms))
    return sa.text(f"SELECT usecase_id FROM {TABLE} WHERE tokens @@ to_tsquery('simple', :match)"
                   ).bindparams(match=_match(terms))


class _Catalog(NamedTuple):
    """What a process keeps of the search documents (not the bodies), read again when the token changes."""

    token: str | None
    keys: dict[int, tuple[str, str, str, int]]  # case id -> (title_key, tags_key, " codes_key ", position)
    hits: list[Hit]  # by position: (title, id) order, the ranking's tie-break


_cache: _Catalog | None = None


def _catalog() -> _Catalog:
    """The search documents without their bodies, from this process's copy while the catalog is unchanged."""
    global _cache
    token = catalog_token()
    cached = _cache
    if cached is not None and token is not None and cached.token == token:
        return cached
    doc = UsecaseSearchDoc.__table__.c  # Core columns: rows come back as plain tuples, no ORM loading
    rows = sorted(db.session.connection().execute(
        sa.select(doc.usecase_id, doc.slug, doc.title, doc.title_key, doc.tags_key, doc.codes_key, doc.facets)),
        key=lambda row: (row[2], row[0]))
    catalog = _Catalog(
        token,
        {row[0]: (row[3], row[4], f" {row[5]} ", position) for position, row in enumerate(rows)},
        [Hit(row[0], row[1], row[2], dict(zip(FACETS, (tuple(part.split()) for part in row[6].split("|")), strict=True)))
         for row in rows],
    )
    if token is not None:
        _cache = catalog
    return catalog


def search(query: str) -> list[Hit]:
    """The live cases matching every word of `query`, best first (see the module docstring)."""
    terms = query_words(query)
    if not terms:
        return []
    connection = db.session.connection()
    catalog = _catalog()
    keys = catalog.keys
    # (words in the title, in the tags, in the body) -> the positions of the cases found so
    ranked: dict[tuple[int, int, int], list[int]] = {}
    pending: dict[int, tuple[int, int, int, int, list[str]]] = {}  # to look for in the body: counts, position, words
    padded = [(word, f" {word} " if word.isascii() else None, len(word) <= 2) for word in terms]
    for usecase_id in connection.execute(_candidates(terms)).scalars().all():
        entry = keys.get(usecase_id)
        if entry is None:  # indexed by a change committed after this search read the catalog's token
            continue
        title_key, tags_key, codes_key, position = entry
        in_title = in_tags = in_body = 0
        unsure: list[str] = []
        for word, code, short in padded:
            if word in title_key:
                in_title += 1
            elif word in tags_key or (code is not None and code in codes_key):
                in_tags += 1
            elif short:
                in_body += 1  # its one unigram or bigram is indexed, and not from the title, tags or codes
            else:
                unsure.append(word)
        if unsure:
            pending[usecase_id] = (in_title, in_tags, in_body, position, unsure)
        else:
            ranked.setdefault((in_title, in_tags, in_body), []).append(position)
    ids = sorted(pending)
    for start in range(0, len(ids), _BATCH):  # longer words: every bigram is there, but is the word? (over-match)
        chunk = ids[start:start + _BATCH]
        doc = UsecaseSearchDoc.__table__.c
        for usecase_id, body in connection.execute(sa.select(doc.usecase_id, doc.body_key).where(doc.usecase_id.in_(chunk))):
            in_title, in_tags, in_body, position, unsure = pending[usecase_id]
            if all(word in body for word in unsure):
                ranked.setdefault((in_title, in_tags, in_body + len(unsure)), []).append(position)
    # More words in the title first, then in the tags, then in the body; then by title, then id.
    hits = catalog.hits
    return [hits[position] for rank in sorted(ranked, reverse=True) for position in sorted(ranked[rank])]
