"""The rubric engine: a learner's prompt in, per-criterion feedback, score and pass out.

Pure Python, no Flask (docs: /work/brief/exercise-format.md, docs/exercise-authoring.ja.md).
The prompt is folded first (lms.core.text: NFKC, case, katakana = hiragana,
spaces), so ６００ matches 600 and ｶﾞｲﾄﾞ matches ガイド; every span in the
result indexes the prompt as typed. Any text gives a result, never an
exception: empty, 100,000 characters or control characters alike (the web
layer refuses control characters through the input rule; this module must not
rely on it).

Element detectors are data: ELEMENT_SOURCES maps each element to regular
expressions written in natural Japanese; they are folded like the prompt
(:func:`fold_pattern`) and compiled once into ELEMENT_PATTERNS. An element is
present when any of its patterns matches. A criterion's own `patterns:` extend
the built-in ones. Patterns avoid unbounded back-tracking so that 100,000
characters stay linear.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from lms.core import pii
from lms.core.text import fold, fold_with_map, katakana_to_hiragana, nfkc, original_span

if TYPE_CHECKING:
    from lms.exercises.source import Criterion, ExerciseSource

MAX_SPANS = 20  # spans reported per criterion; enough to highlight, small enough for a 100,000-character prompt

# element -> patterns (before folding). Keep each pattern linear: no nested or unbounded lazy repeats.
ELEMENT_SOURCES: dict[str, tuple[str, ...]] = {
    # あなたは…です / …として / …の専門家
    "role": (
        r"あなたは[^。\n]{0,60}?(?:です|である|だ)", r"として", r"の専門家", r"の立場で", r"になりきって",
    ),
    # an action verb: what the model must produce or do
    "task": (
        r"作成", r"要約", r"書いて", r"書き直", r"整理", r"比較", r"抽出", r"分類", r"翻訳", r"提案", r"まとめて",
        r"考えて", r"教えて", r"添削", r"校正", r"下書き", r"見直して", r"洗い出", r"挙げて", r"列挙", r"説明して",
        r"直して", r"チェックして", r"変換", r"作って", r"出して", r"検討して", r"評価して", r"確認して",
    ),
    # 背景 / 目的 / 状況 / 前提 / 【背景】
    "context": (r"背景", r"目的", r"状況", r"前提", r"経緯", r"現状", r"事情"),
    # the source text set apart from the instructions
    "source_delimited": (
        r"```[\s\S]+?```",  # a fenced block (lazy: stops at the next fence)
        r"「[^「」]{20,}」", r"『[^『』]{20,}』",  # a quotation of at least 20 characters
        r'"""[ \t]*\n?[ \t]*[^\s"]',  # triple quotes opening some text
        r"###[ \t]*\S", r"###[ \t]*\n[ \t]*\S",  # ### before the text
        r"<(?P<tag>[^<>/\s]{1,20})>[^<]+</(?P=tag)>",  # <資料>…</資料>
        r"【(?:資料|元の?文章|原文|本文|文章|対象の?文章|入力|データ|参考資料|メモ|会議メモ|議事メモ|メール|問い合わせ)"
        r"[^】\n]{0,10}】[ \t]*\n?[ \t]*\S",
    ),
    # 表 / 箇条書き / 見出し / 項目 / JSON / 形式 / 【出力形式】
    "output_format": (
        r"表(?:で|に|形式|の形|組み)", r"(?:一覧|比較|対照)表", r"箇条書き", r"見出し", r"項目", r"JSON", r"CSV",
        r"形式", r"フォーマット", r"テンプレート", r"マークダウン|markdown", r"件名と本文",
    ),
    # N文字 / N字 / N行 / N個 / N点 / N枚 / 以内 / 程度
    "length": (
        r"(?<!\d)\d+\s*(?:文字|字|行|個|点|枚|つ|項目|段落|語|ページ)",  # (?<!…): try a number once, not at each digit
        r"(?<![一二三四五六七八九十百千])[一二三四五六七八九十百千]+\s*(?:文字|字|行|個|点|枚|つ|項目|段落)", r"以内", r"程度",
    ),
    # 制約 / 〜しない / 〜ないでください / 禁止 / 必ず / だけ
    "constraints": (
        r"制約", r"しない", r"ないでください", r"ないで", r"ないこと", r"ないように", r"禁止", r"必ず", r"だけ",
        r"のみ", r"厳守", r"条件",
    ),
    # 読み手 / 向け / 対象 / 相手 / お客様 / 社長 / 新人…
    "audience": (
        r"読み手", r"読者", r"受け手", r"向け", r"対象", r"相手", r"お客様", r"顧客", r"社長", r"経営者", r"経営陣",
        r"役員", r"新人", r"新入社員", r"初心者", r"上司", r"部長", r"課長", r"宛て", r"あて先", r"従業員", r"利用者",
    ),
    # です・ます / 敬語 / 丁寧 / やわらかい / 簡潔 / トーン / 口調
    "tone": (
        r"です\s*[・、/]?\s*ます", r"敬語", r"丁寧", r"やわらか", r"柔らか", r"簡潔", r"トーン", r"口調", r"文体",
        r"語調", r"である調", r"フレンドリー", r"親しみ", r"堅苦し", r"かしこま",
    ),
    # 例 / 例えば / 例： / 次のような / サンプル (not 定例, 条例, 例外 …)
    "examples": (r"(?<![定条慣比判通恒特異])例(?!外)", r"次のような", r"以下のような", r"サンプル", r"ひな形", r"雛形"),
    # asks the model to say what it is unsure of
    "uncertainty": (
        r"不明", r"わからない", r"分からない", r"確認が必要", r"要確認", r"推測", r"仮説", r"根拠", r"自信がない",
        r"自信のない", r"不確か", r"確信", r"出典",
    ),
}

_METACHARACTERS = frozenset(".^$*+?{}[]\\|()-")
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")


def fold_pattern(pattern: str) -> str:
    """`pattern` with its non-ASCII runs folded like prompts are (NFKC, case, katakana), regex syntax kept.

    A trainer writes ガイド or ６００ in a pattern; the prompt is matched as
    がいど / 600. ASCII is left alone (it is regex syntax); a full-width
    character that folds to ASCII punctuation, like （, becomes that character
    escaped, so it stays literal.
    """
    def fold_run(match: re.Match[str]) -> str:
        folded = katakana_to_hiragana(nfkc(match.group()).casefold())
        return "".join("\\" + ch if ch in _METACHARACTERS else (" " if ch.isspace() else ch) for ch in folded)

    return _NON_ASCII_RUN_RE.sub(fold_run, pattern)


@functools.lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Fold and compile a pattern for matching folded text. :raise re.error: when it is not a valid expression"""
    return re.compile(fold_pattern(pattern), re.IGNORECASE | re.MULTILINE)


ELEMENT_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    element: tuple(compile_pattern(p) for p in patterns) for element, patterns in ELEMENT_SOURCES.items()
}
ELEMENTS: tuple[str, ...] = tuple(ELEMENT_SOURCES)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class CriterionResult:
    id: str
    label: str
    check: str
    met: bool  # for a blocking (forbidden) criterion: nothing forbidden was found
    weight: int  # 0 for a blocking criterion
    blocking: bool
    spans: tuple[Span, ...]  # what matched (for forbidden: what must be removed), in the prompt as typed
    hint: str | None  # only when missed

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "check": self.check, "met": self.met, "weight": self.weight,
            "blocking": self.blocking, "spans": [_span_json(s) for s in self.spans], "hint": self.hint,
        }


@dataclass(frozen=True)
class Result:
    exercise: str
    score: int  # 0-100, rounded down
    pass_score: int
    passed: bool  # score >= pass_score and nothing blocking tripped
    blocked: bool  # a forbidden criterion tripped: the prompt must not be sent anywhere
    characters: int  # length of the prompt after stripping
    criteria: tuple[CriterionResult, ...]
    findings: tuple[pii.Finding, ...]  # everything the personal-data guard saw, whatever the criteria ask

    @property
    def safe_to_send(self) -> bool:
        """No finding at all: only such a prompt may ever leave the LMS (to an AI model)."""
        return not self.findings

    @property
    def missed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.met)

    def to_json(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise, "score": self.score, "pass_score": self.pass_score, "passed": self.passed,
            "blocked": self.blocked, "safe_to_send": self.safe_to_send, "characters": self.characters,
            "criteria": [c.to_json() for c in self.criteria],
            "findings": [
                {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text, "label": f.label} for f in self.findings
            ],
        }


def _span_json(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


class _Prompt:
    """The prompt as typed and folded, with the map between the two."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded, self.origin = fold_with_map(text)

    def span(self, start: int, end: int) -> Span:
        first, stop = original_span(self.origin, self.text, start, end)
        return Span(first, stop, self.text[first:stop])

    def matches(self, patterns: Iterable[re.Pattern[str]]) -> list[Span]:
        found: list[Span] = []
        for pattern in patterns:
            for match in pattern.finditer(self.folded):
                if match.end() > match.start():
                    found.append(self.span(match.start(), match.end()))
                    if len(found) >= MAX_SPANS:
                        break
        return sorted(set(found), key=lambda s: (s.start, s.end))[:MAX_SPANS]

    def occurrences(self, phrase: str) -> list[Span]:
        needle = fold(phrase)
        found: list[Span] = []
        at = self.folded.find(needle) if needle else -1
        while at != -1 and len(found) < MAX_SPANS:
            found.append(self.span(at, at + len(needle)))
            at = self.folded.find(needle, at + len(needle))
        return found


def evaluate(exercise: ExerciseSource, prompt: str) -> Result:
    """Check `prompt` against the exercise's rubric; see the module docstring."""
    typed = _Prompt(prompt)
    findings = tuple(pii.scan(prompt, [(s.text, s.label) for s in exercise.secrets]))
    criteria = tuple(_check(criterion, typed, findings) for criterion in exercise.rubric)
    total = sum(c.weight for c in criteria if not c.blocking)
    earned = sum(c.weight for c in criteria if not c.blocking and c.met)
    score = 100 * earned // total if total else 100
    blocked = any(c.blocking and not c.met for c in criteria)
    return Result(
        exercise=exercise.slug, score=score, pass_score=exercise.pass_score,
        passed=score >= exercise.pass_score and not blocked, blocked=blocked,
        characters=len(prompt.strip()), criteria=criteria, findings=findings,
    )


def _check(criterion: Criterion, prompt: _Prompt, findings: tuple[pii.Finding, ...]) -> CriterionResult:
    kind = criterion.check
    spans: list[Span] = []
    if kind == "element":
        extra = (compile_pattern(p) for p in criterion.patterns)
        spans = prompt.matches((*ELEMENT_PATTERNS[criterion.element or ""], *extra))
        met = bool(spans)
    elif kind == "contains":
        found = {phrase: prompt.occurrences(phrase) for phrase in (*criterion.any_of, *criterion.all_of)}
        met = (not criterion.any_of or any(found[p] for p in criterion.any_of)) and all(found[p] for p in criterion.all_of)
        spans = sorted({s for hits in found.values() for s in hits}, key=lambda s: (s.start, s.end))[:MAX_SPANS]
    elif kind == "regex":
        spans = prompt.matches([compile_pattern(criterion.pattern or "")])
        met = bool(spans)
    elif kind == "length":
        length = len(prompt.text.strip())
        met = (criterion.min_chars is None or length >= criterion.min_chars) and (
            criterion.max_chars is None or length <= criterion.max_chars)
    elif kind == "forbidden":
        relevant = [f for f in findings if ("secrets" if f.kind == "secret" else "personal_data") in criterion.what]
        spans = [Span(f.start, f.end, f.text) for f in relevant][:MAX_SPANS]
        met = not relevant
    else:  # the parser refuses unknown kinds; an unknown one here is a programming error, not a learner's
        raise ValueError(f"unknown check kind {kind!r}")
    blocking = kind == "forbidden"
    return CriterionResult(
        id=criterion.id, label=criterion.label, check=kind, met=met, weight=0 if blocking else criterion.weight,
        blocking=blocking, spans=tuple(spans), hint=None if met else criterion.hint,
    )
