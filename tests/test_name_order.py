"""People are listed in 五十音 order by furigana where they have one, else by name, everywhere."""
from __future__ import annotations

from datetime import time
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.names import name_key
from lms.accounts.roles import Role
from lms.cohorts import queries, service
from lms.extensions import db
from lms.core import clock

# Kanji code-point order is 中村 < 井上 < 伊藤 < 佐々木; 五十音 order is いとう < いのうえ < ささき < なかむら.
PEOPLE = [("中村 翔太", "なかむら しょうた"), ("井上 美咲", "イノウエ ミサキ"), ("伊藤 健一", "ｲﾄｳ ｹﾝｲﾁ"), ("佐々木 陽子", "ささき ようこ")]
READING_ORDER = ["伊藤 健一", "井上 美咲", "佐々木 陽子", "中村 翔太"]


def test_the_key_folds_katakana_and_half_width_to_hiragana_and_falls_back_to_the_name() -> None:
    assert name_key("井上 美咲", "イノウエ ミサキ") == name_key("井上 美咲", "いのうえ　みさき") == "いのうえみさき"
    assert name_key("伊藤 健一", "ｲﾄｳ ｹﾝｲﾁ") == "いとうけんいち"
    assert name_key("中村 翔太", None) == name_key("中村 翔太", "  ") == "中村翔太"
    assert sorted(name_key(n, f) for n, f in PEOPLE) == [name_key(n, f) for n, f in sorted(PEOPLE, key=lambda p: READING_ORDER.index(p[0]))]
    assert sorted(n for n, _ in PEOPLE) != READING_ORDER  # the kanji order differs, so the tests below can fail


def _positions(html: str, names: list[str]) -> list[str]:
    found = [(html.index(n), n) for n in names]
    assert len(found) == len(names)
    return [n for _, n in sorted(found)]


@pytest.fixture
def company(create_org: Any, create_user: Any, sync_course: Any) -> dict[str, Any]:
    org = create_org(name="株式会社みなと精工")
    people = [create_user(org, name=n, furigana=f, email=f"p{i}@minato.example") for i, (n, f) in enumerate(PEOPLE)]
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example", name="管理 者", furigana="んかんり")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    course = sync_course()
    return {"org": org, "people": people, "trainer": trainer, "admin": admin, "course": course}


def test_the_stored_key_follows_every_change_of_name_or_furigana(company: dict[str, Any]) -> None:
    nakamura = company["people"][0]
    assert nakamura.name_key == "なかむらしょうた"
    nakamura.furigana = None
    db.session.commit()
    assert db.session.scalar(sa.select(User.name_key).where(User.id == nakamura.id)) == "中村翔太"
    nakamura.display_name = "中村 翔"
    db.session.commit()
    assert db.session.scalar(sa.select(User.name_key).where(User.id == nakamura.id)) == "中村翔"


def test_the_roster_lists_people_by_furigana(client: Any, company: dict[str, Any]) -> None:
    client.login("admin@minato.example")
    html = client.get(f"/o/{company['org'].id}/members/").get_data(as_text=True)
    assert _positions(html, READING_ORDER) == READING_ORDER
    found = client.get(f"/o/{company['org'].id}/members/?q=ナカムラ").get_data(as_text=True)
    assert "中村 翔太" in found and "井上 美咲" not in found


def test_the_cohort_member_picker_the_grid_and_the_course_progress_list_by_furigana(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("trainer@provider.example")
    picker = client.get(f"/o/{org.id}/cohorts/new").get_data(as_text=True)
    assert _positions(picker, READING_ORDER) == READING_ORDER
    cohort = service.create_cohort(org, service.CohortDraft(
        name="第1期", course_ids=[company["course"].id], start_date=clock.today(), session_weekday=2,
        session_time=time(10), member_ids=[p.id for p in company["people"]], trainer_ids=[company["trainer"].id],
    ))
    db.session.commit()
    grid = client.get(f"/o/{org.id}/cohorts/{cohort.id}/").get_data(as_text=True)
    assert _positions(grid, READING_ORDER) == READING_ORDER
    assert [r.user.display_name for r in queries.follow_up(cohort).rows] == READING_ORDER
    progress = client.get(f"/o/{org.id}/courses/{company['course'].slug}/progress").get_data(as_text=True)
    assert _positions(progress, READING_ORDER) == READING_ORDER
