"""Whether the shipped quizzes give their answers away by position or length (a report; always exits 0).

Over every single-choice question: how often the right answer is option 1, 2, 3, ...; how often it is the
longest option, and how often the shortest (by characters; a tie counts as longest, or as shortest: a fix
that only lengthens the distractors swaps one tell for the other). Over every multi-select question: how
often all the wrong options come last. The limits the tests hold (tests/test_curricula.py): at most 40 %
for any position, for the longest option, for the shortest option and for wrong-options-last.

    .venv/bin/python scripts/quiz_balance.py [COURSES_DIR]    (default: courses/)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lms.courses.quizstats import QuizBalance, balance  # noqa: E402
from lms.courses.source import CourseSourceError, find_course_dirs, load_course  # noqa: E402


def _percent(share: float) -> str:
    return f"{share * 100:5.1f} %"


def report(counts: QuizBalance, lessons: int) -> str:
    lines = [f"quiz lessons: {lessons}, questions: {counts.single + counts.multi} "
             f"({counts.single} single-choice, {counts.multi} multi-select)"]
    lines.append("single-choice, position of the right answer:")
    for position in range(1, max(counts.positions, default=0) + 1):
        lines.append(f"  {position}: {counts.positions.get(position, 0):4d}  {_percent(counts.position_share(position))}")
    rows = [
        ("single-choice, right answer is the longest option:", counts.longest, counts.longest_share),
        ("single-choice, right answer is the shortest option:", counts.shortest, counts.shortest_share),
        ("multi-select, all wrong options last:", counts.multi_wrong_last, counts.multi_wrong_last_share),
    ]
    width = max(len(label) for label, _, _ in rows)
    lines.extend(f"{label:<{width}} {count:4d}  {_percent(share)}" for label, count, share in rows)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "courses"
    questions = []
    lessons = 0
    for course_dir in find_course_dirs([folder]):
        try:
            course = load_course(course_dir, root=folder)
        except CourseSourceError as exc:
            print(f"skipped {course_dir.name} (does not load):\n{exc}", file=sys.stderr)
            continue
        for module in course.modules:
            for lesson in module.lessons:
                if lesson.questions:
                    lessons += 1
                    questions.extend(lesson.questions)
    print(report(balance(questions), lessons))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
