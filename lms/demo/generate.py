"""A realistic demo: the provider's staff and three client companies in different industries.

Idempotent: people are found by email and companies by name, so running it
again creates nothing new and prints the same accounts.
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Callable, Iterator

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.members.service import get_or_create_department
from lms.admin.service import assign_trainer, create_organization
from lms.extensions import db
from lms.orgs.models import Organization

DEMO_PASSWORD = "lms-demo-2026"

FAMILY = [
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"),
    ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"),
    ("吉田", "yoshida"), ("山田", "yamada"), ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"),
    ("井上", "inoue"), ("木村", "kimura"), ("林", "hayashi"), ("清水", "shimizu"), ("森", "mori"),
]
GIVEN = [
    ("翔太", "shota"), ("美咲", "misaki"), ("健一", "kenichi"), ("陽子", "yoko"), ("大輔", "daisuke"),
    ("さくら", "sakura"), ("拓也", "takuya"), ("由美", "yumi"), ("誠", "makoto"), ("彩", "aya"),
    ("浩二", "koji"), ("真由美", "mayumi"), ("亮", "ryo"), ("恵", "megumi"), ("隆", "takashi"),
    ("奈々", "nana"), ("直樹", "naoki"), ("千尋", "chihiro"), ("悠斗", "yuto"), ("香織", "kaori"),
]

# Readings for the demo's furigana, so its lists show 五十音 order (伊藤 いとう before 井上 いのうえ before 中村 なかむら).
READINGS = {
    "佐藤": "さとう", "鈴木": "すずき", "高橋": "たかはし", "田中": "たなか", "伊藤": "いとう", "渡辺": "わたなべ",
    "山本": "やまもと", "中村": "なかむら", "小林": "こばやし", "加藤": "かとう", "吉田": "よしだ", "山田": "やまだ",
    "佐々木": "ささき", "山口": "やまぐち", "松本": "まつもと", "井上": "いのうえ", "木村": "きむら", "林": "はやし",
    "清水": "しみず", "森": "もり", "翔太": "しょうた", "美咲": "みさき", "健一": "けんいち", "陽子": "ようこ",
    "大輔": "だいすけ", "さくら": "さくら", "拓也": "たくや", "由美": "ゆみ", "誠": "まこと", "彩": "あや",
    "浩二": "こうじ", "真由美": "まゆみ", "亮": "りょう", "恵": "めぐみ", "隆": "たかし", "奈々": "なな",
    "直樹": "なおき", "千尋": "ちひろ", "悠斗": "ゆうと", "香織": "かおり", "石川": "いしかわ", "智子": "ともこ",
    "岡田": "おかだ", "俊介": "しゅんすけ",
}


def reading(name: str) -> str | None:
    """The furigana of a demo name (family and given name in READINGS), or None."""
    parts = name.split()
    return " ".join(READINGS[p] for p in parts) if parts and all(p in READINGS for p in parts) else None


@dataclass(frozen=True)
class DemoCompany:
    name: str
    domain: str
    industry: str
    band: str
    prefecture: int
    departments: tuple[str, ...]
    employees: int


COMPANIES = (
    DemoCompany("株式会社みなと精工", "minato-seiko.example", "manufacturing", "30-49", 22,
                ("製造部", "品質保証部", "営業部", "総務部"), 16),
    DemoCompany("山川建設株式会社", "yamakawa-kensetsu.example", "construction", "10-29", 20,
                ("工事部", "設計部", "総務部"), 12),
    DemoCompany("さくらマート株式会社", "sakura-mart.example", "retail", "50-99", 43,
                ("店舗運営部", "商品部", "本部"), 14),
)
STAFF = (
    (Role.ADMIN, "admin@provider.example", "運営 管理者"),
    (Role.TRAINER, "trainer.ishikawa@provider.example", "石川 智子"),
    (Role.TRAINER, "trainer.okada@provider.example", "岡田 俊介"),
)
# Every department gets at least this many employees, so that the dashboards show department
# figures at the default privacy threshold (groups of 5 or more) rather than a lowered one.
DEPARTMENT_SIZE = 6
# Which trainer works with which company (by position in COMPANIES).
ASSIGNMENTS = {"trainer.ishikawa@provider.example": (0, 1), "trainer.okada@provider.example": (1, 2)}


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    """DEMO_PASSWORD hashed once for every demo account: the password is printed for all to read, so one salt
    loses nothing, and scrypt for each of ~140 people made the demo take twenty seconds."""
    probe = User()
    probe.set_password(DEMO_PASSWORD)
    assert probe.password_hash is not None
    return probe.password_hash


def _person(email: str, name: str, roles: set[Role], org: Organization | None, department: str | None) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=name, furigana=reading(name), locale="ja", org_id=org.id if org else None)
        user.password_hash = _demo_password_hash()
        user.set_roles(roles)
        if org is not None and department is not None:
            user.department = get_or_create_department(org, department)
        db.session.add(user)
        db.session.flush()
    return user


def _names() -> Iterator[tuple[str, str]]:
    """Distinct (display name, email local part) pairs in a fixed, plausible-looking order."""
    for fam, giv in itertools.product(range(len(FAMILY)), range(len(GIVEN))):
        if (fam * 7 + giv * 3) % 11 == 0:  # skip a deterministic subset so neighbours differ
            continue
        f_kanji, f_romaji = FAMILY[(fam + giv) % len(FAMILY)]
        g_kanji, g_romaji = GIVEN[giv]
        yield f"{f_kanji} {g_kanji}", f"{g_romaji}.{f_romaji}"


def _layout(company: DemoCompany) -> list[tuple[set[Role], str | None]]:
    """The company's first people: the executive, the admin (an employee too), employees round the departments."""
    people: list[tuple[set[Role], str | None]] = [
        ({Role.EXECUTIVE}, None),
        ({Role.ORG_ADMIN, Role.EMPLOYEE}, "総務部" if "総務部" in company.departments else company.departments[-1]),
    ]
    people += [({Role.EMPLOYEE}, company.departments[i % len(company.departments)]) for i in range(company.employees - 2)]
    return people


def _top_up(company: DemoCompany, people: list[tuple[set[Role], str | None]]) -> list[tuple[set[Role], str | None]]:
    """Employees that bring every department up to DEPARTMENT_SIZE (deterministic, so re-runs find them)."""
    extra: list[tuple[set[Role], str | None]] = []
    for department in company.departments:
        have = sum(1 for roles, d in people if d == department and Role.EMPLOYEE in roles)
        extra += [({Role.EMPLOYEE}, department)] * max(0, DEPARTMENT_SIZE - have)
    return extra


def _people(org: Organization, company: DemoCompany, people: list[tuple[set[Role], str | None]],
            names: Iterator[tuple[str, str]]) -> list[str]:
    lines = []
    for roles, department in people:
        name, local = next(names)
        email = f"{local}@{company.domain}"
        user = _person(email, name, roles, org, department)
        for role in sorted(user.company_roles, key=lambda r: list(Role).index(r)):
            lines.append(f"{role.value} {email} {DEMO_PASSWORD} {company.name}")
            break
    return lines


def create_demo(progress: Callable[[str], None] = lambda _: None) -> list[str]:
    """Create what is missing and return one line per account: ROLE EMAIL PASSWORD COMPANY."""
    lines: list[str] = []
    staff: dict[str, User] = {}
    for role, email, name in STAFF:
        staff[email] = _person(email, name, {role}, None, None)
        lines.append(f"{role.value} {email} {DEMO_PASSWORD} -")
    progress("provider staff ready")

    names = _names()
    orgs: list[Organization] = []
    layouts = [_layout(company) for company in COMPANIES]
    for company, people in zip(COMPANIES, layouts, strict=True):
        org = db.session.scalar(sa.select(Organization).where(Organization.name == company.name))
        if org is None:
            org = create_organization(
                name=company.name, industry=company.industry, employee_band=company.band,
                prefecture=company.prefecture, actor=None,
            )
        orgs.append(org)
        lines += _people(org, company, people, names)
        progress(f"{company.name}: {len(people)} people")
    # Named after everyone above, so the accounts of earlier versions of the demo keep their names.
    for org, company, people in zip(orgs, COMPANIES, layouts, strict=True):
        lines += _people(org, company, _top_up(company, people), names)

    for email, positions in ASSIGNMENTS.items():
        for position in positions:
            assign_trainer(orgs[position], staff[email], actor=None)
    db.session.commit()
    from lms.adoption.demo import add_demo_usage

    add_demo_usage(progress)
    from lms.usage.demo import add_demo_telemetry

    add_demo_telemetry(progress)
    from lms.demo.practice import add_demo_practice

    add_demo_practice(progress)
    from lms.demo.usecases import add_demo_trials

    add_demo_trials(progress)
    progress("demo ready")
    return lines
