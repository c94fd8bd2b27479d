"""How much a quiz's text gives its answers away: where the right option sits, and whether it is the longest.

Shared by `scripts/quiz_balance.py` (a report) and tests/test_curricula.py (the limits). Pure: no Flask, no database.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lms.courses.source import QuizQuestion


def right_is_longest(question: QuizQuestion) -> bool:
    """A single-choice question's right option has the most characters (a tie counts as longest)."""
    longest = max(len(o.text.strip()) for o in question.options)
    return any(o.correct and len(o.text.strip()) == longest for o in question.options)


def right_is_shortest(question: QuizQuestion) -> bool:
    """A single-choice question's right option has the fewest characters (a tie counts as shortest)."""
    shortest = min(len(o.text.strip()) for o in question.options)
    return any(o.correct and len(o.text.strip()) == shortest for o in question.options)


def wrong_all_last(question: QuizQuestion) -> bool:
    """A multi-select question lists every right option before every wrong one (e.g. x x _ _)."""
    flags = [o.correct for o in question.options]
    first_wrong = flags.index(False) if False in flags else len(flags)
    return first_wrong < len(flags) and not any(flags[first_wrong:])


@dataclass
class QuizBalance:
    """Counts over single-choice (`single`) and multi-select (`multi`) questions."""

    single: int = 0
    positions: dict[int, int] = field(default_factory=dict)  # 1-based position of the right option -> questions
    longest: int = 0
    shortest: int = 0
    multi: int = 0
    multi_wrong_last: int = 0

    def add(self, question: QuizQuestion) -> None:
        if question.multiple:
            self.multi += 1
            self.multi_wrong_last += wrong_all_last(question)
            return
        self.single += 1
        position = next(i for i, o in enumerate(question.options, start=1) if o.correct)
        self.positions[position] = self.positions.get(position, 0) + 1
        self.longest += right_is_longest(question)
        self.shortest += right_is_shortest(question)

    def position_share(self, position: int) -> float:
        return self.positions.get(position, 0) / self.single if self.single else 0.0

    @property
    def top_position_share(self) -> float:
        return max((self.position_share(p) for p in self.positions), default=0.0)

    @property
    def longest_share(self) -> float:
        return self.longest / self.single if self.single else 0.0

    @property
    def shortest_share(self) -> float:
        return self.shortest / self.single if self.single else 0.0

    @property
    def multi_wrong_last_share(self) -> float:
        return self.multi_wrong_last / self.multi if self.multi else 0.0


def balance(questions: Iterable[QuizQuestion]) -> QuizBalance:
    counts = QuizBalance()
    for question in questions:
        counts.add(question)
    return counts
