"""Turn parsed lesson sources into the HTML stored with each revision (rendered once, at write time)."""
from __future__ import annotations

import re
from typing import Any, Sequence

from lms.content.markdown import render_cached
from lms.courses.source import QuizQuestion, split_quiz_blocks

_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.S)


def asset_base(course_slug: str) -> str:
    """Where a course's assets are served (see courses.routes.asset)."""
    return f"/courses/{course_slug}/assets"


def _inline(text: str, course_slug: str) -> str:
    # Question and option texts are one line: drop the paragraph wrapper Markdown adds.
    html = render_cached(text, asset_base=asset_base(course_slug)).strip()
    match = _PARAGRAPH.match(html)
    return match.group(1) if match and "<p>" not in match.group(1) else html


def render_body(body: str, course_slug: str) -> str:
    """The lesson text without its quiz blocks (quizzes are rendered as forms)."""
    text = "\n\n".join(part for kind, part in split_quiz_blocks(body) if kind == "markdown")
    return render_cached(text, asset_base=asset_base(course_slug))


def render_questions(questions: Sequence[QuizQuestion], course_slug: str) -> list[dict[str, Any]]:
    return [
        {
            "prompt_html": _inline(q.prompt, course_slug),
            "explanation_html": render_cached(q.explanation, asset_base=asset_base(course_slug)) if q.explanation else "",
            "multiple": q.multiple,
            "options": [{"html": _inline(o.text, course_slug), "correct": o.correct} for o in q.options],
        }
        for q in questions
    ]
