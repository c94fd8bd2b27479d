"""How many findings the personal-data guard reports in the shipped lessons' example prompts.

Every fenced code block of every lesson in courses/**/*.md is an example prompt
(or a model answer) meant to be clean, except ```quiz blocks, which hold quiz
questions in the course format rather than text anyone pastes into an AI tool.
Prints the number of blocks and findings, then each finding as path:line, kind, text.

    .venv/bin/python scripts/pii_false_positives.py [COURSES_DIR]
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lms.core.pii import Finding, scan  # noqa: E402

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w-]*)")


def example_prompts(courses: Path) -> Iterator[tuple[Path, int, str]]:
    """(path, line of the block's first line of text, text) of every non-quiz fenced block."""
    for path in sorted(courses.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            opening = _FENCE.match(lines[index])
            if not opening:
                index += 1
                continue
            fence, info = opening.groups()
            body_start = index + 1
            index = body_start
            while index < len(lines) and not lines[index].startswith(fence):
                index += 1
            if info != "quiz":
                yield path, body_start + 1, "\n".join(lines[body_start:index])
            index += 1


def findings(courses: Path) -> tuple[int, list[tuple[str, Finding]]]:
    """The number of blocks, and each finding with its path:line."""
    blocks = 0
    found: list[tuple[str, Finding]] = []
    for path, line, text in example_prompts(courses):
        blocks += 1
        for finding in scan(text):
            where = f"{path.relative_to(courses.parent) if courses.parent in path.parents else path}"
            found.append((f"{where}:{line + text.count(chr(10), 0, finding.start)}", finding))
    return blocks, found


def main() -> None:
    courses = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "courses"
    blocks, found = findings(courses)
    print(f"example prompts: {blocks} blocks; findings: {len(found)}")
    for where, finding in found:
        print(f"{where}\t{finding.kind}\t{finding.text}")


if __name__ == "__main__":
    main()
