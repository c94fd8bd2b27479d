"""Cases recommended to one employee: their company's industry, their department, colleagues' adoptions.

Ranking (docs/adoption-rules.md, "Use cases: recommendations"), computed in one SQL statement:

    score = industry + department + colleagues
    industry   = 2 when the case lists the company's industry, 1 when it lists `all`, else 0
    department = 2 when the case lists a catalog department the person's department maps to, else 0
    colleagues = min(people of the same company who adopted or adapted it, 2)

Ties break on the number of colleagues who adopted it, then the title and the
id, so the order is the same on every database and every run. Archived cases
and cases the person already picked are left out. Colleagues are a count,
never names.

A company's department names are free text (営業部, 工事課, 店舗運営部);
`catalog_departments` maps one to the catalog's department vocabulary
(`lms.core.vocab.DEPARTMENTS`) by folded keywords.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.core.text import fold
from lms.core.vocab import DEPARTMENTS
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.usecases.models import Usecase, UsecaseTag, UsecaseTrial

LIMIT = 5
COLLEAGUES_CAP = 2  # colleagues' adoptions add at most this much to the score

# Keywords (folded) found in a company's department name → catalog departments. Checked in order;
# every match counts, so 経営企画部 is both 経営 and マーケティング. Written for the names SMEs use.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("経営", ("経営",)), ("社長", ("経営",)), ("役員", ("経営",)), ("本部", ("経営", "総務")),
    ("営業", ("営業",)), ("販売", ("営業",)),
    ("マーケ", ("マーケティング",)), ("企画", ("マーケティング",)), ("広報", ("マーケティング",)),
    ("販促", ("マーケティング",)), ("宣伝", ("マーケティング",)),
    ("ec", ("EC",)), ("通販", ("EC",)), ("ネット", ("EC",)), ("web", ("EC", "マーケティング")),
    ("顧客", ("顧客対応",)), ("カスタマー", ("顧客対応",)), ("サポート", ("顧客対応",)), ("お客様", ("顧客対応",)),
    ("コールセンター", ("顧客対応",)), ("受付", ("顧客対応",)), ("フロント", ("顧客対応",)),
    ("経理", ("経理",)), ("財務", ("経理",)), ("会計", ("経理",)),
    ("人事", ("人事",)), ("採用", ("人事",)), ("労務", ("人事",)),
    ("総務", ("総務",)), ("管理部", ("総務",)), ("事務", ("総務",)),
    ("情報システム", ("情報システム",)), ("情シス", ("情報システム",)), ("システム", ("情報システム",)),
    ("it", ("情報システム",)), ("dx", ("情報システム",)),
    ("製造", ("製造",)), ("生産", ("製造",)), ("工場", ("製造",)), ("品質", ("製造",)), ("技術", ("製造",)),
    ("施工", ("施工",)), ("工事", ("施工",)), ("現場", ("施工",)), ("設計", ("施工",)), ("建設", ("施工",)),
    ("店舗", ("店舗",)), ("店", ("店舗",)), ("売場", ("店舗",)), ("商品", ("店舗", "EC")), ("仕入", ("店舗",)),
    ("介護", ("介護",)), ("看護", ("介護",)), ("福祉", ("介護",)), ("ケア", ("介護",)),
    ("運行", ("運行管理",)), ("配送", ("運行管理",)), ("配車", ("運行管理",)), ("物流", ("運行管理",)),
    ("運輸", ("運行管理",)), ("輸送", ("運行管理",)),
)
_FOLDED = tuple((fold(keyword), departments) for keyword, departments in KEYWORDS)


def catalog_departments(name: str | None) -> tuple[str, ...]:
    """The catalog departments a company's department name stands for, in vocabulary order ('' → none).

    The name is folded (NFKC, case, width, kana) and matched by keyword: 営業部 and
    営業課 are 営業; ＥＣ事業部 is EC; 工事部 and 設計課 are 施工. An unknown name maps to nothing.
    """
    key = fold(name or "")
    if not key:
        return ()
    found = {d for keyword, departments in _FOLDED if keyword in key for d in departments}
    return tuple(d for d in DEPARTMENTS if d in found)


@dataclass(frozen=True)
class Recommendation:
    slug: str
    title: str
    summary: str
    level: str
    colleagues: int  # people of the same company who adopted or adapted it
    industry_match: bool  # the company's own industry (not only `all`)
    department_match: bool


def for_person(user: User, org: Organization, limit: int = LIMIT) -> list[Recommendation]:
    """The cases to suggest to `user` of `org`, best first: one statement (the signed-in person's
    department comes loaded with them, lms.accounts.sessions)."""
    department = user.department.name if user.department is not None and user.org_id == org.id else None
    return ranked(org, user.id, catalog_departments(department), limit)


def _tagged(kind: str, code: Any) -> sa.ColumnElement[bool]:
    """The case has a tag of `kind` equal to `code` (a value or a bound parameter; an expanding one for a list)."""
    tag = aliased(UsecaseTag)
    condition = tag.code.in_(code) if isinstance(code, sa.BindParameter) and code.expanding else tag.code == code
    return sa.exists(sa.select(tag.id).where(tag.usecase_id == Usecase.id, tag.kind == kind, condition))


def ranked(org: Organization, user_id: int | None, departments: tuple[str, ...], limit: int = LIMIT
           ) -> list[Recommendation]:
    """Live cases ranked for a person of `org` in `departments` (catalog codes), without those they picked."""
    params = {"org_id": org.id, "industry": org.industry, "user_id": user_id if user_id is not None else -1}
    if departments:
        params["departments"] = list(departments)
    rows = db.session.execute(_statement(bool(departments), limit), params).all()
    return [Recommendation(slug, title, summary, level, int(n), ind == 2, dep == 2)
            for slug, title, summary, level, n, ind, dep in rows]


@functools.lru_cache(maxsize=16)
def _statement(with_department: bool, limit: int) -> sa.Select[Any]:
    """The ranking statement, built once per process with bound parameters (it runs on every home page).

    One statement that scores a small pool instead of the whole catalog (10,000 cases
    for a provider's spreadsheet): every case colleagues adopted, and the first `limit`
    by title of each band of tags (any case; the company's industry; `all`; and the same
    three among the department's cases). A case outside the pool has no colleagues, so
    `limit` cases of its own band rank at least as high and come first by title: it
    could never make the list. The bands walk the (is_archived, title) index.
    """
    org = sa.bindparam("org_id", type_=sa.Integer)
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    exact = _tagged(UsecaseTag.INDUSTRY, sa.bindparam("industry", type_=sa.String))
    anywhere = _tagged(UsecaseTag.INDUSTRY, "all")
    in_department = _tagged(UsecaseTag.DEPARTMENT, sa.bindparam("departments", expanding=True))
    industry = sa.case((exact, 2), (anywhere, 1), else_=0)
    department = sa.case((in_department, 2), else_=0) if with_department else sa.literal(0)
    adopted = aliased(UsecaseTrial)
    colleagues = (
        in_org(sa.select(adopted.usecase_id, sa.func.count(adopted.id).label("n")), org, adopted)
        .where(adopted.outcome.in_((UsecaseTrial.ADOPTED, UsecaseTrial.ADAPTED)), adopted.user_id != user_id)
        .group_by(adopted.usecase_id).subquery()
    )
    mine = aliased(UsecaseTrial)
    picked = sa.exists(in_org(sa.select(mine.id), org, mine).where(mine.usecase_id == Usecase.id, mine.user_id == user_id))
    live = (Usecase.is_archived.is_(False), ~picked)

    def band(*conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
        """The first `limit` live, unpicked cases by title that meet `conditions`, walking the title index."""
        first = (sa.select(Usecase.id).where(*live, *conditions)
                 .order_by(Usecase.is_archived, Usecase.title, Usecase.slug).limit(limit).subquery())
        return sa.select(first.c.id)

    bands: list[sa.Select[Any]] = [band(), band(exact), band(anywhere)]
    if with_department:
        bands += [band(in_department), band(in_department, exact), band(in_department, anywhere)]
    bands.append(sa.select(Usecase.id).join(colleagues, colleagues.c.usecase_id == Usecase.id).where(*live))
    pool = sa.union(*bands).subquery()
    count = sa.func.coalesce(colleagues.c.n, 0)
    scored = (  # driven by the pool (a few dozen ids), each case found by its primary key
        sa.select(Usecase.slug, Usecase.title, Usecase.summary, Usecase.level, count.label("colleagues"),
                  industry.label("industry"), department.label("department"))
        .select_from(pool).join(Usecase, Usecase.id == pool.c[0])
        .outerjoin(colleagues, colleagues.c.usecase_id == Usecase.id)
        .subquery()
    )
    c = scored.c
    social = sa.case((c.colleagues >= COLLEAGUES_CAP, COLLEAGUES_CAP), else_=c.colleagues)
    return (
        sa.select(c.slug, c.title, c.summary, c.level, c.colleagues, c.industry, c.department)
        .order_by((c.industry + c.department + social).desc(), c.colleagues.desc(), c.title, c.slug)
        .limit(limit)
    )
