"""The follow-up grid: per-module totals; every sideways-scrolling table is a focusable, labelled region."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lms.cohorts import queries, service
from lms.courses.models import CourseModule
from lms.extensions import db
from lms.learning.service import mark_complete
from tests.test_cohorts import company, draft  # noqa: F401 -- fixtures and the draft factory

TEMPLATES = Path(__file__).resolve().parents[1] / "lms"


def test_every_table_wrapper_in_every_template_is_a_focusable_labelled_region() -> None:
    """axe's scrollable-region-focusable: a keyboard user must be able to reach and scroll each wide table."""
    wrappers = [(path, tag) for path in TEMPLATES.rglob("*.html")
                for tag in re.findall(r"<div[^>]*class=\"[^\"]*\btable-wrap\b[^>]*>", path.read_text())]
    assert len(wrappers) >= 15
    for path, tag in wrappers:
        assert 'tabindex="0"' in tag and 'role="region"' in tag, (path, tag)
        assert re.search(r'aria-label="\{\{ [^}]+ \}\}"', tag), (path, tag)


def test_the_grid_counts_who_finished_each_module(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    cohort = service.create_cohort(company["org"], draft(company))  # 営業部: p0 and p1
    week_1 = db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 1))
    mark_complete(company["people"][0], week_1.lessons[0])
    db.session.commit()
    report = queries.follow_up(cohort)
    assert [report.done_count(m.id) for _c, m in report.modules] == [1, 0, 0]
    client.login("trainer@provider.example")
    page = client.get(f"/o/{company['org'].id}/cohorts/{cohort.id}/").get_data(as_text=True)
    totals = re.search(r'data-testid="totals">(.*?)</tr>', page, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r"\d+人中\d+人完了", totals) == ["2人中1人完了", "2人中0人完了", "2人中0人完了"]
    assert 'role="region" aria-label="受講者とモジュール"' in page
