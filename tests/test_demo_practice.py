"""`flask demo` adds prompt practice at みなと精工 through the real service and the shipped exercise."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.courses.sync import Author, load_sources, sync_course
from lms.exercises import queries
from lms.exercises.models import ExerciseAttempt
from lms.exercises.sync import sync_folder
from lms.extensions import db
from lms.orgs.models import Organization

ROOT = Path(__file__).resolve().parents[1]


def _load_content() -> None:
    report = sync_folder(ROOT / "exercises", check=False, author=Author(None, "test"))
    assert not report.errors, report.errors
    (source,) = load_sources([ROOT / "courses" / "prompt-jissen"])
    sync_course(source, author=Author(None, "test"))
    db.session.commit()


def _demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def test_demo_fills_the_trainers_queue_and_the_executives_practice_table(app: Flask) -> None:
    _load_content()
    _demo(app)
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "株式会社みなと精工"))
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "2026年度 プロンプト実践（全社）"))
    rows = queries.review_queue(cohort)
    assert len(rows) >= 12
    assert rows[0].awaiting_review and sum(r.awaiting_review for r in rows) == 1
    assert sum(1 for r in rows if r.attempt.blocked_count == 1 and r.attempt.passed_at is not None) == 1
    assert sum(1 for r in rows if r.attempt.passed_at is not None) >= 5
    assert sum(1 for r in rows if r.attempt.passed_at is None) >= 3
    assert sum(1 for r in rows if r.attempt.good_example) == 1

    from lms.adoption import dashboard

    board = dashboard.build(org)
    company = board.practice[-1]
    assert company.people == len(rows) and company.blocked_prompts == 1 and company.blocked_people == 1
    assert company.pass_rate is not None and 0 < company.pass_rate < 1
    assert any(p.people is not None for p in board.practice[:-1])  # departments of 5 or more show figures

    # The trainer of the company sees it; running the demo again adds nothing.
    client = app.test_client()
    client.login("trainer.ishikawa@provider.example", "lms-demo-2026")
    assert client.get(f"/o/{org.id}/cohorts/{cohort.id}/practice").status_code == 200
    before = db.session.scalar(sa.select(sa.func.count(ExerciseAttempt.id)))
    _demo(app)
    assert db.session.scalar(sa.select(sa.func.count(ExerciseAttempt.id))) == before


def test_demo_without_exercises_skips_practice(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "prompt practice: skipped" in result.output
    assert db.session.scalar(sa.select(sa.func.count(ExerciseAttempt.id))) == 0
    assert db.session.scalar(sa.select(User).where(User.email == "trainer.ishikawa@provider.example")) is not None
