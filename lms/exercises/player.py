"""What the player shows of a prompt revision: the rubric's feedback and the guard's findings, ready to render.

Pure presentation over `ExerciseAttemptRevision.result` (rubric.Result.to_json()):
no queries. Text is cut into (text, marked) parts; templates escape each part and
wrap the marked ones in <mark>, so a learner's text is never rendered as HTML.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from flask_babel import gettext

from lms.core.pii import REASONS
from lms.exercises.models import ExerciseAttemptRevision

SNIPPET = 40  # characters of a matched span shown next to its criterion


def cut(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` as (part, marked) pairs, the parts inside `spans` marked; overlapping spans merge."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


@dataclass(frozen=True)
class CriterionLine:
    label: str
    met: bool
    blocking: bool
    hint: str | None
    matched: list[str]  # the texts that met it, shortened


@dataclass(frozen=True)
class Reason:
    kind: str
    label: str  # the exercise's label of a planted secret, e.g. 取引先名; empty otherwise
    text: str  # translated


@dataclass(frozen=True)
class Feedback:
    number: int
    prompt: str
    score: int
    pass_score: int
    passed: bool
    blocked: bool
    criteria: list[CriterionLine]
    found: list[tuple[str, bool]]  # the prompt cut at what the guard found
    reasons: list[Reason]

    @property
    def has_findings(self) -> bool:
        return bool(self.reasons)

    @property
    def met_count(self) -> int:
        return sum(1 for c in self.criteria if c.met and not c.blocking)

    @property
    def scoring_count(self) -> int:
        return sum(1 for c in self.criteria if not c.blocking)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def feedback(revision: ExerciseAttemptRevision) -> Feedback:
    result: dict[str, Any] = revision.result
    findings = result.get("findings", [])
    reasons: list[Reason] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        key = (f["kind"], f.get("label", "") if f["kind"] == "secret" else "")
        if key not in seen:
            seen.add(key)
            reasons.append(Reason(f["kind"], key[1], gettext(REASONS.get(f["kind"], REASONS["secret"]))))
    criteria = [
        CriterionLine(
            label=c["label"], met=c["met"], blocking=c["blocking"], hint=c.get("hint"),
            matched=[] if c["blocking"] else list(dict.fromkeys(_short(s["text"]) for s in c["spans"]))[:3],
        )
        for c in result.get("criteria", [])
    ]
    return Feedback(
        number=revision.number, prompt=revision.prompt, score=revision.score, pass_score=result.get("pass_score", 0),
        passed=revision.passed, blocked=revision.blocked, criteria=criteria,
        found=cut(revision.prompt, ((f["start"], f["end"]) for f in findings)), reasons=reasons,
    )
