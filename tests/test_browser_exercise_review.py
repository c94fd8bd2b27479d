"""In Chromium on a phone: a trainer opens a cohort's prompt-practice queue, reads an attempt, comments, marks it good."""
from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.cohorts import service as cohort_service
from lms.core import clock
from lms.exercises import queries
from lms.exercises.models import ExerciseAttempt
from lms.extensions import db
from tests.browser import accessible_context, assert_accessible, shot, sign_in
from tests.practiceworld import BLOCKED, GOOD, WEAK, attempt, example_exercise

pytestmark = pytest.mark.browser
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def test_a_trainer_reviews_an_attempt_on_a_phone(
        browser: Any, server: Any, create_org: Any, create_user: Any, sync_course: Any) -> None:
    org = create_org(name="株式会社みなと精工", industry="manufacturing")
    course = sync_course()
    kato = create_user(org, email="kato@minato.example", name="加藤 一郎")
    sato = create_user(org, email="sato@minato.example", name="佐藤 花子")
    suzuki = create_user(org, email="suzuki@minato.example", name="鈴木 次郎")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example", name="講師 山本")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=clock.today(), session_weekday=2, session_time=time(10),
        member_ids=[kato.id, sato.id, suzuki.id], trainer_ids=[trainer.id],
    ))
    db.session.commit()
    exercise = example_exercise()
    attempt(kato, exercise, WEAK)
    submitted = attempt(sato, exercise, BLOCKED, GOOD, answer="件名：納期遅延のおわび\n\n【取引先名】\n【担当者名】様\n…",
                        ticks=[True, True, False], submit=True)
    attempt(suzuki, exercise, BLOCKED)

    context = accessible_context(browser, **PHONE)
    page = context.new_page()
    sign_in(page, server.url, trainer.email)
    page.wait_for_load_state()
    page.goto(f"{server.url}/o/{org.id}/cohorts/{cohort.id}/")
    page.get_by_test_id("practice-link").click()
    page.wait_for_url(f"**/cohorts/{cohort.id}/practice")
    assert_accessible(page)
    shot(page, "review-queue-phone")

    first = page.get_by_test_id("attempt").first
    assert "佐藤 花子" in first.inner_text()  # submitted for review: first
    assert first.get_by_test_id("awaiting").is_visible()
    assert "ブラケット600個の納品が3日遅れます" in first.get_by_test_id("prompt").inner_text()
    assert "件名：納期遅延のおわび" in first.get_by_test_id("answer").inner_text()
    stopped = page.get_by_test_id("attempt").filter(has_text="鈴木 次郎")
    assert stopped.get_by_test_id("blocked").is_visible()
    assert stopped.locator("mark", has_text="090-1234-5678").first.is_visible()

    prefix = f"review-{submitted.id}"
    first.locator(f"#{prefix}-comment").fill("事実と文体がそろっていて良いです。次は本文の長さも指定しましょう。")
    first.locator(f"#{prefix}-good_example").check()
    first.get_by_role("button").click()
    page.wait_for_url(f"**/cohorts/{cohort.id}/practice#attempt-{submitted.id}")
    assert page.locator(".flash").first.is_visible()
    reviewed = page.locator(f"#attempt-{submitted.id}")
    assert reviewed.get_by_test_id("good-badge").is_visible()
    assert page.get_by_test_id("awaiting").count() == 0
    assert_accessible(page)
    shot(page, "review-queue-reviewed-phone")
    context.close()

    db.session.expire_all()
    saved = db.session.get(ExerciseAttempt, submitted.id)
    assert saved.trainer_comment.startswith("事実と文体がそろっていて良いです。") and saved.good_example
    assert [g.prompt for g in queries.good_examples(org, exercise, kato)] == [GOOD]
