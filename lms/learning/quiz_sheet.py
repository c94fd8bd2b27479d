"""The answer sheet of one quiz attempt: option order and option keys, derived, never stored before grading.

Pure Python, no Flask. An attempt is identified by (person, lesson, attempt
number), where the number is the person's count of graded attempts plus one,
so a reload shows the same sheet and the next attempt a new one. The sheet is
an HMAC of the installation's secret, so it is the same in every process and
cannot be worked out from the page.

- `order[q]` lists the question's option indices (as written in the lesson
  file) in the order they are shown.
- `keys[q][i]` is the form value of option `i`: opaque per attempt and
  revision, so the page reveals neither the written position of an option nor
  which one is right, and answers are graded by written index, never by the
  position on the page.
"""
from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from typing import Mapping, Sequence


@dataclass(frozen=True)
class Sheet:
    attempt: int
    order: tuple[tuple[int, ...], ...]
    keys: tuple[tuple[str, ...], ...]

    def decode(self, chosen: Mapping[int, Sequence[str]]) -> dict[int, set[int]]:
        """Form values per question -> written option indices; unknown or stale keys are dropped."""
        answers: dict[int, set[int]] = {}
        for q, keys in enumerate(self.keys):
            lookup = {key: i for i, key in enumerate(keys)}
            answers[q] = {lookup[value] for value in chosen.get(q, ()) if value in lookup}
        return answers


def _digest(secret: bytes, *parts: object) -> bytes:
    return hmac.new(secret, ":".join(map(str, parts)).encode(), hashlib.sha256).digest()


def make_sheet(
    secret: bytes, *, user_id: int, lesson_id: int, revision_id: int, attempt: int, option_counts: Sequence[int]
) -> Sheet:
    """The sheet a person sees for one attempt at one revision of a quiz."""
    order = []
    keys = []
    for q, count in enumerate(option_counts):
        shown = list(range(count))
        seed = int.from_bytes(_digest(secret, "order", user_id, lesson_id, attempt, q)[:8], "big")
        random.Random(seed).shuffle(shown)
        order.append(tuple(shown))
        keys.append(tuple(
            _digest(secret, "key", user_id, revision_id, attempt, q, i)[:6].hex() for i in range(count)
        ))
    return Sheet(attempt, tuple(order), tuple(keys))
