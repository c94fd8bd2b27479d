"""Recommendations: the company's industry, the person's department and colleagues' adoptions, in a fixed order."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.orgs.models import Department
from lms.usecases import recommend
from lms.usecases.models import Usecase, UsecaseTrial
from tests.trialfactory import trial
from tests.usecaseworld import case_text, load_cases


@pytest.mark.parametrize(("name", "expected"), [
    ("店舗運営部", ("店舗",)),
    ("営業部", ("営業",)),
    ("第二営業課", ("営業",)),
    ("ＥＣ事業部", ("EC",)),
    ("ec推進室", ("EC",)),
    ("工事部", ("施工",)),
    ("設計課", ("施工",)),
    ("経営企画室", ("経営", "マーケティング")),
    ("品質保証部", ("製造",)),
    ("カスタマーサポート", ("顧客対応",)),
    ("ｶｽﾀﾏｰｾﾝﾀｰ", ("顧客対応",)),
    ("総務部", ("総務",)),
    ("配送センター", ("運行管理",)),
    ("デイサービス介護課", ("介護",)),
    ("研究開発部", ()),
    ("", ()),
    (None, ()),
])
def test_department_names_map_to_the_catalog_vocabulary(name: str | None, expected: tuple[str, ...]) -> None:
    assert recommend.catalog_departments(name) == expected


@pytest.fixture
def world(app: Flask, create_org: Any, create_user: Any) -> dict[str, Any]:
    load_cases(
        shift=case_text("シフト表の下書きを作る", industries="[retail]", departments="[店舗, 介護]"),  # 2 + 2
        pop=case_text("売場のPOPを作る", industries="[retail]", departments="[マーケティング]"),  # 2
        gijiroku=case_text("会議の議事録を要約する", industries="[all]", departments="[総務]"),  # 1 + 2 colleagues
        mail=case_text("お礼メールを書く", industries="[all]", departments="[営業]"),  # 1 + 1 colleague
        keiri=case_text("仕訳の入力を確認する", industries="[construction]", departments="[経理]"),  # 0
        picked=case_text("在庫表を整える", industries="[retail]", departments="[店舗]"),  # picked already: left out
        old=case_text("古いケース", industries="[retail]", departments="[店舗]"),  # archived: left out
        aaa=case_text("あいさつ文を考える", industries="[retail]", departments="[人事]"),  # 2, same as pop
    )
    db.session.execute(sa.update(Usecase).where(Usecase.slug == "old").values(is_archived=True))
    org = create_org(name="株式会社おすすめ", industry="retail")
    store = Department(org_id=org.id, name="店舗運営部")
    db.session.add(store)
    db.session.commit()
    me = create_user(org, department_id=store.id, email="me@osusume.example")
    colleagues = [create_user(org) for _ in range(3)]
    for person in colleagues[:3]:
        trial(person, "gijiroku", outcome=UsecaseTrial.ADOPTED, minutes_before=60, minutes_after=30)
    trial(colleagues[0], "mail", outcome=UsecaseTrial.ADAPTED, minutes_before=60, minutes_after=30)
    trial(colleagues[1], "keiri", outcome=UsecaseTrial.NOT_FOR_US, minutes_before=60, minutes_after=60)
    trial(me, "picked")
    # Another company's adoptions never count.
    other = create_org(name="株式会社よそ", industry="retail")
    for _ in range(3):
        trial(create_user(other), "keiri", outcome=UsecaseTrial.ADOPTED, minutes_before=60, minutes_after=10)
    return {"org": org, "me": me, "colleagues": colleagues}


def test_recommendations_order(world: dict[str, Any]) -> None:
    ranked = recommend.for_person(world["me"], world["org"], limit=10)
    assert [r.slug for r in ranked] == ["shift", "gijiroku", "mail", "aaa", "pop", "keiri"]
    shift, gijiroku, mail = ranked[:3]
    assert shift.industry_match and shift.department_match and shift.colleagues == 0
    assert not gijiroku.industry_match and gijiroku.colleagues == 3
    assert mail.colleagues == 1
    assert ranked[-1].colleagues == 0  # "not for us" is no adoption, and another company's adoptions do not count


def test_a_colleague_does_not_see_their_own_adoption_counted(world: dict[str, Any]) -> None:
    ranked = recommend.for_person(world["colleagues"][2], world["org"], limit=10)
    assert "gijiroku" not in [r.slug for r in ranked]  # picked it already
    by_slug = {r.slug: r for r in recommend.for_person(world["colleagues"][1], world["org"], limit=10)}
    assert "keiri" not in by_slug and by_slug["mail"].colleagues == 1


def test_recommendations_on_the_home_page_and_the_catalog(app: Flask, world: dict[str, Any]) -> None:
    org = world["org"]
    client = app.test_client()
    client.login("me@osusume.example")
    home = client.get(f"/o/{org.id}/").get_data(as_text=True)
    assert 'data-testid="recommended"' in home
    assert "シフト表の下書きを作る" in home and "同僚3人が定着" in home
    recommended = home.split('data-testid="recommended"', 1)[1].split("</section>", 1)[0]
    assert "在庫表を整える" not in recommended  # picked already (the home lists it as due for a report instead)
    names = [c.display_name for c in world["colleagues"]]
    assert not any(name in home for name in names)
    catalog = client.get(f"/o/{org.id}/cases/").get_data(as_text=True)
    assert 'data-testid="recommended"' in catalog
    for filtered in ("?level=beginner", "?department=営業", "?q=シフト"):
        page = client.get(f"/o/{org.id}/cases/{filtered}").get_data(as_text=True)
        assert 'data-testid="recommended"' not in page, filtered


def test_the_pool_ranks_exactly_as_scoring_every_case(app: Flask, create_org: Any, create_user: Any) -> None:
    """Against a brute-force ranking of the whole catalog, with a small limit so that every band is cut short."""
    import random

    rnd = random.Random(13)
    industries = ("retail", "construction", "all", "manufacturing")
    departments = ("店舗", "営業", "経理", "総務")
    files = {}
    for n in range(40):
        inds = sorted(set(rnd.sample(industries, rnd.randint(1, 2))))
        deps = sorted(set(rnd.sample(departments, rnd.randint(1, 2))))
        files[f"c{n:02d}"] = case_text(f"ケース{rnd.randint(0, 9)}{n:02d}", industries=f"[{', '.join(inds)}]",
                                       departments=f"[{', '.join(deps)}]")
    load_cases(**files)
    org = create_org(name="株式会社総当たり", industry="retail")
    store = Department(org_id=org.id, name="店舗運営部")
    db.session.add(store)
    db.session.commit()
    people = [create_user(org, department_id=store.id) for _ in range(6)]
    for person in people:
        for slug in rnd.sample(sorted(files), 6):
            trial(person, slug, outcome=rnd.choice([UsecaseTrial.ADOPTED, UsecaseTrial.NOT_FOR_US, None]) or None,
                  minutes_before=60, minutes_after=30, commit=False)
    db.session.commit()
    cases = db.session.scalars(sa.select(Usecase).where(Usecase.is_archived.is_(False))).all()
    trials = db.session.scalars(sa.select(UsecaseTrial)).all()
    for person in people:
        for limit in (1, 2, 3, 7):
            picked = {t.usecase_id for t in trials if t.user_id == person.id}
            adopted: dict[int, int] = {}
            for t in trials:
                if t.user_id != person.id and t.outcome in (UsecaseTrial.ADOPTED, UsecaseTrial.ADAPTED):
                    adopted[t.usecase_id] = adopted.get(t.usecase_id, 0) + 1

            def key(c: Usecase, adopted: dict[int, int] = adopted) -> tuple[int, int, str, str]:
                industry = 2 if "retail" in c.industries else 1 if "all" in c.industries else 0
                department = 2 if "店舗" in c.departments else 0
                n = adopted.get(c.id, 0)
                return (-(industry + department + min(n, 2)), -n, c.title, c.slug)

            expected = [c.slug for c in sorted((c for c in cases if c.id not in picked), key=key)[:limit]]
            got = [r.slug for r in recommend.ranked(org, person.id, ("店舗",), limit)]
            assert got == expected, (person.id, limit)
