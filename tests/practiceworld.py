"""Prompt-practice test data: the format's example exercise, and attempts made through the real service."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from lms.accounts.models import User
from lms.courses.sync import Author
from lms.exercises import service
from lms.exercises.models import Exercise, ExerciseAttempt
from lms.exercises.sync import sync_folder
from lms.extensions import db

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "data" / "exercises"

# Prompts for the example exercise (owabi-mail, pass score 70).
GOOD = ("あなたは製造業の営業担当として、取引先へのメールに慣れたアシスタントです。"
        "取引先への納期遅れのおわびメールの下書きを作成してください。ブラケット600個の納品が3日遅れます。"
        "件名と本文に分け、本文は300字以内。です・ます調で丁寧な文面にしてください。")
WEAK = "おわびメールを書いてください。"
# The planted secrets and a phone number: the guard stops it.
BLOCKED = ("あなたは営業担当です。大和精機株式会社の佐藤一郎様（090-1234-5678）へ、600個が3日遅れる"
           "おわびメールを作成してください。件名と本文に分け、です・ます調で。")


def example_exercise() -> Exercise:
    """The example exercise `owabi-mail`, synced once per test."""
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "owabi-mail"))
    if exercise is None:
        report = sync_folder(EXAMPLE, check=False, author=Author(None, "test"))
        assert not report.errors, report.errors
        db.session.commit()
        exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "owabi-mail"))
    assert exercise is not None
    return exercise


def attempt(user: User, exercise: Exercise, *prompts: str, answer: str | None = None, ticks: list[bool] | None = None,
            submit: bool = False, now: datetime | None = None) -> ExerciseAttempt:
    """The person's attempt with these prompts; with `answer`, pasted and finished (submitted when asked)."""
    a = service.attempt_for(user, exercise)
    for prompt in prompts:
        service.submit_prompt(a, prompt, now=now)
    if answer is not None:
        service.save_answers(a, [answer])
        service.finish(user, a, ticks or [], submit_for_review=submit, now=now)
    db.session.commit()
    return a
