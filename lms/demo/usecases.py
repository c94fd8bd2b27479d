"""Workshop trials for the demo: cases picked, tried and reported, so the use-case figures are not empty.

The story: at みなと精工 meeting minutes (議事録) spread from 営業部 to 総務部 and
製造部, work instructions (作業手順書) from 製造部 to 品質保証部, and one person in
品質保証部 shared an adapted prompt for quality data under their name, which two
colleagues picked up (one adopted it: an AI champion). An anonymous share of the
minutes prompt was picked up too, and never names its author. 山川建設's 工事部
adopted the same two cases, so the provider's view counts two companies.

Trials are written as the workshop flow leaves them (see UsecaseTrial): minutes
per week stated at pick, measured minutes after at the report. People are fictional.
Cases missing from the catalog (content not loaded) are skipped; running it again adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.core import clock
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org, owned_by
from lms.usecases.models import Usecase, UsecaseTrial

ADOPTED, ADAPTED, NOT_FOR_US = UsecaseTrial.ADOPTED, UsecaseTrial.ADAPTED, UsecaseTrial.NOT_FOR_US
TRYING, PICKED = UsecaseTrial.TRYING, UsecaseTrial.PICKED


@dataclass(frozen=True)
class Story:
    """One person's trial: what they reported (or how far they got) and their minutes a week."""

    outcome: str  # adopted / adapted / not_for_us, or trying / picked (no report yet)
    before: int
    after: int | None = None
    share: str = UsecaseTrial.PRIVATE
    from_share: tuple[str, int] | None = None  # (department, index in that PLAN row) of the share picked from


# (company, case, department, first person's position in the department, stories)
PLAN: tuple[tuple[str, str, str, int, tuple[Story, ...]], ...] = (
    ("株式会社みなと精工", "gijiroku", "営業部", 0, (
        Story(ADOPTED, 90, 40), Story(ADAPTED, 120, 45, UsecaseTrial.ANONYMOUS), Story(ADOPTED, 60, 30))),
    ("株式会社みなと精工", "gijiroku", "総務部", 0, (
        Story(ADOPTED, 120, 50), Story(ADOPTED, 60, 25, from_share=("営業部", 1)), Story(NOT_FOR_US, 30))),
    ("株式会社みなと精工", "gijiroku", "製造部", 0, (Story(ADOPTED, 45, 20), Story(TRYING, 60))),
    ("株式会社みなと精工", "sagyo-tejunsho", "製造部", 2, (
        Story(ADOPTED, 180, 90), Story(ADOPTED, 120, 70), Story(ADAPTED, 150, 80), Story(TRYING, 120))),
    ("株式会社みなと精工", "sagyo-tejunsho", "品質保証部", 0, (Story(ADOPTED, 90, 60), Story(NOT_FOR_US, 60))),
    ("株式会社みなと精工", "hinshitsu-data", "品質保証部", 1, (
        Story(ADAPTED, 120, 40, UsecaseTrial.NAMED), Story(ADOPTED, 90, 45, from_share=("品質保証部", 0)),
        Story(TRYING, 60, from_share=("品質保証部", 0)), Story(ADOPTED, 60, 35), Story(PICKED, 90))),
    ("株式会社みなと精工", "mitsumori-setsumei", "営業部", 3, (Story(ADOPTED, 60, 30), Story(PICKED, 45))),
    ("株式会社みなと精工", "keihi-check", "総務部", 3, (Story(ADAPTED, 90, 60), Story(TRYING, 60), Story(PICKED, 30))),
    ("山川建設株式会社", "gijiroku", "工事部", 0, (
        Story(ADOPTED, 60, 30), Story(ADOPTED, 90, 40), Story(ADOPTED, 45, 25), Story(TRYING, 60), Story(PICKED, 30))),
    ("山川建設株式会社", "sagyo-tejunsho", "工事部", 1, (
        Story(ADOPTED, 120, 60), Story(ADAPTED, 150, 90), Story(ADOPTED, 90, 50), Story(NOT_FOR_US, 60),
        Story(TRYING, 90))),
)
CURRENT_WAY = {
    "gijiroku": "会議中に手書きでメモを取り、あとでWordに清書して関係者にメールしている。",
    "sagyo-tejunsho": "ベテランに口頭で聞き、写真を貼ったExcelに手順を書き起こしている。",
    "hinshitsu-data": "検査記録のExcelを月末に手で集計し、グラフを作って所見を書いている。",
    "mitsumori-setsumei": "見積書に毎回ゼロから説明文を書いている。",
    "keihi-check": "経費精算の申請を1件ずつ目で見て、規程と照らし合わせている。",
}
REASON = "社内の書式が細かく決まっていて、下書きを直す手間のほうが大きかったため。"
PROMPT = {
    "gijiroku": ("あなたは総務の担当者です。次の【会議メモ】から、決定事項・宿題（担当と期限）・"
                 "次回の議題に分けて議事録を作ってください。"),
    "sagyo-tejunsho": ("あなたは製造現場の教育担当です。【作業の聞き取りメモ】から、新人向けの作業手順書を"
                       "番号付きで作り、危険な工程には注意を書き添えてください。"),
    "hinshitsu-data": ("あなたは品質保証の担当者です。【検査結果の集計表（ダミー値）】から、不良率の推移と"
                       "目立つ変化を3点にまとめ、確認すべき工程を挙げてください。"),
    "keihi-check": ("あなたは経理の担当者です。【経費規程の抜粋】と【申請内容（名前は伏せたもの）】を"
                    "照らし合わせ、確認が必要な点を箇条書きにしてください。"),
}


def add_demo_trials(progress: Callable[[str], None] = lambda _: None, now: datetime | None = None) -> int:
    """Write the missing trials of PLAN; returns how many were written."""
    moment = now or clock.utcnow()
    written = 0
    for company, slug, department, start, stories in PLAN:
        org = db.session.scalar(sa.select(Organization).where(Organization.name == company))
        case_id = db.session.scalar(sa.select(Usecase.id).where(Usecase.slug == slug, Usecase.is_archived.is_(False)))
        if org is None or case_id is None:
            continue
        people = _employees(org, department)[start:start + len(stories)]
        for position, (person, story) in enumerate(zip(people, stories, strict=False)):
            if _trial(org, person.id, case_id) is not None:
                continue
            source = None
            if story.from_share is not None:
                source = _shared(org, slug, *story.from_share)
            db.session.add(_row(org, person, case_id, slug, story, source, moment, position))
            db.session.flush()
            written += 1
    db.session.commit()
    progress(f"use-case workshops: {written} trials")
    return written


def _employees(org: Organization, department: str) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .join(Department, sa.and_(Department.id == User.department_id, owned_by(Department, org)))
        .where(owned_by(User, org), Department.name == department, UserRole.role == Role.EMPLOYEE.value,
               User.is_active.is_(True))
        .order_by(User.id)
    ))


def _trial(org: Organization, user_id: int, case_id: int) -> UsecaseTrial | None:
    return db.session.scalar(in_org(sa.select(UsecaseTrial), org).where(
        UsecaseTrial.user_id == user_id, UsecaseTrial.usecase_id == case_id))


def _shared(org: Organization, slug: str, department: str, position: int) -> UsecaseTrial | None:
    """The trial of the `position`-th person of PLAN's row (slug, department): the share picked from."""
    for company, case, dept, start, _stories in PLAN:
        if company == org.name and case == slug and dept == department:
            people = _employees(org, department)
            index = start + position
            if index < len(people):
                case_id = db.session.scalar(sa.select(Usecase.id).where(Usecase.slug == slug))
                return _trial(org, people[index].id, case_id) if case_id is not None else None
    return None


def _row(org: Organization, person: User, case_id: int, slug: str, story: Story, source: UsecaseTrial | None,
         moment: datetime, position: int) -> UsecaseTrial:
    reported = story.outcome in (ADOPTED, ADAPTED, NOT_FOR_US)
    # Reports came in three to five weeks ago; open trials were picked in the last two weeks.
    picked = moment - timedelta(days=(38 - 3 * position) if reported else (12 - 3 * position))
    row = UsecaseTrial(
        org_id=org.id, user_id=person.id, usecase_id=case_id, department_id=person.department_id,
        shared_from_id=source.id if source is not None else None,
        status=UsecaseTrial.REPORTED if reported else story.outcome, current_way=CURRENT_WAY[slug],
        minutes_before=story.before, picked_at=picked, report_due_on=clock.today(picked) + timedelta(days=14),
    )
    if story.outcome != PICKED:
        row.tried_at = picked + timedelta(days=1)
    if reported:
        row.outcome, row.reported_at = story.outcome, picked + timedelta(days=14)
        row.minutes_after = story.after if story.outcome != NOT_FOR_US else story.before
        if story.outcome == NOT_FOR_US:
            row.outcome_reason = REASON
        if story.outcome == ADAPTED:
            row.adapted_prompt = PROMPT.get(slug, "")
            row.share = story.share
            row.shared_at = row.reported_at if story.share != UsecaseTrial.PRIVATE else None
    return row
