"""`flask demo` adds workshop trials, so the use-case section, the champions and the provider view show something."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from lms.adoption import service
from lms.extensions import db
from lms.orgs.models import Organization
from lms.usecases import stats
from lms.usecases.models import UsecaseTrial
from tests.usecaseworld import case_text, load_cases


def _demo(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def test_demo_trials_fill_the_use_case_figures(app: Flask) -> None:
    load_cases(
        gijiroku=case_text("会議メモから議事録を作る", industries="[all]"),
        sagyo_tejunsho=case_text("作業手順書を作る", industries="[manufacturing, construction]"),
        hinshitsu_data=case_text("品質データを集計して傾向を説明する", industries="[manufacturing]"),
        mitsumori_setsumei=case_text("見積書に添える説明文を作る", industries="[all]"),
        keihi_check=case_text("経費精算の申請をチェックする", industries="[all]"),
    )
    db.session.commit()
    _demo(app)
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "株式会社みなと精工"))
    assert org is not None
    u = stats.company_usecases(org, service.thresholds(service.settings_for(org.id)))
    # Every department that tried a case shows its figures at the default threshold of 5.
    assert {d.name for d in u.departments if d.people is not None} == {"営業部", "総務部", "製造部", "品質保証部"}
    assert [c.title for c in u.cases] == ["会議メモから議事録を作る", "作業手順書を作る", "品質データを集計して傾向を説明する"]
    assert u.other is not None and u.other.people == 5
    assert u.spread == 2 and u.company.hours_month is not None and u.company.hours_month > 0
    champions = stats.champions(org)
    assert len(champions) == 1 and champions[0].adopted == 1 and champions[0].picked == 2
    top = {r.title: r.companies for r in stats.provider_top_cases()}
    assert top["会議メモから議事録を作る"] == 2 and top["作業手順書を作る"] == 2
    shares = db.session.scalars(sa.select(UsecaseTrial.share).where(UsecaseTrial.share != UsecaseTrial.PRIVATE)).all()
    assert sorted(shares) == ["anonymous", "named"]
    before = db.session.scalar(sa.select(sa.func.count(UsecaseTrial.id)))
    _demo(app)
    assert db.session.scalar(sa.select(sa.func.count(UsecaseTrial.id))) == before
