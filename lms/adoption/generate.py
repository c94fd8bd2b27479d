"""Many generated companies with years of check-ins, for measuring the executive pages at scale.

`flask adoption generate --companies N --employees M --weeks W [--seed S]` writes N new
companies of M employees each and W weeks of check-ins ending last week, with the weekly
rollups and answer counts the dashboard reads. Companies differ in how far they have come:
some nobody uses AI in, some a few people try it, in some one or two departments took it
up, some use it habitually.

Everything is written with bulk `INSERT`s, and the rollups are computed here, in memory,
with the same rules (`lms.adoption.rules`) as `service.rebuild_week`, which would take
minutes per company if called for every week; tests/test_adoption_generate.py checks that
both give the same rows. Rollups are written for the generated weeks and for the current
week, as `save_checkin` and the nightly refresh would have left them.

Not idempotent, but safe to run again: every run adds new companies, numbered after the
ones already there.
"""
from __future__ import annotations

import functools
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.names import name_key
from lms.accounts.roles import Role
from lms.adoption import rules, service
from lms.adoption.models import UsageCheckin, UsageCount, UsageRollup
from lms.admin.service import create_organization
from lms.demo.generate import FAMILY, GIVEN, reading
from lms.extensions import db
from lms.orgs.models import Department, Organization

BATCH = 5_000
NAME_PREFIX = "サンプル"
NAME_PATTERN = re.compile(rf"^{NAME_PREFIX}(\d+)")

# (industry code, name suffix, departments in the order they are used)
INDUSTRIES = (
    ("manufacturing", "製作所", ("製造部", "品質保証部", "生産管理部", "営業部", "設計部", "購買部", "総務部", "経理部")),
    ("construction", "建設", ("工事部", "設計部", "積算部", "安全管理部", "営業部", "総務部", "経理部")),
    ("retail", "商店", ("店舗運営部", "商品部", "販売促進部", "物流部", "EC事業部", "本部", "経理部")),
    ("food_service", "フーズ", ("店舗運営部", "調理部", "商品開発部", "仕入部", "本部")),
    ("logistics", "運輸", ("配送部", "倉庫管理部", "配車部", "営業部", "総務部")),
    ("wholesale", "商事", ("営業一部", "営業二部", "仕入部", "物流部", "管理部")),
    ("services", "サービス", ("サービス部", "営業部", "企画部", "総務部")),
)
EXTRA_DEPARTMENTS = ("企画部", "人事部", "情報システム部", "海外事業部", "カスタマーサポート部", "法務部")
BANDS = ((9, "1-9"), (29, "10-29"), (49, "30-49"), (99, "50-99"), (299, "100-299"))

TASKS = ("documents", "email", "quotes", "sales", "research", "ideas", "data", "translation")
TOOLS = ("ChatGPT", "Microsoft Copilot", "Gemini", "Claude")
BARRIERS = ("unclear_use", "unclear_benefit", "security", "skills", "no_help", "other")


@dataclass(frozen=True)
class Profile:
    """How far a company has come. Shares are of people; weeks count from the first generated week."""

    name: str
    weight: int
    response: tuple[float, float]  # the company's share of people answering a given week
    uptake: float  # share of people (of the chosen departments, if any) who take AI up
    others: float = 0.0  # share of everyone else who take it up too
    departments: int = 0  # if set, this many departments take it up at `uptake`
    days: tuple[int, int] = (1, 2)  # days a week once taken up
    steady: float = 0.9  # chance a user uses it in a week they answer
    tries: float = 0.0  # chance a non-user answers "one day" in a week
    start: tuple[float, float] = (0.0, 1.0)  # when people take it up, as a share of the weeks
    settings: dict[str, Any] | None = None


PROFILES = (
    Profile("nobody", 2, (0.35, 0.7), uptake=0.0),
    Profile("a few", 3, (0.5, 0.85), uptake=0.08, days=(1, 3), steady=0.7, tries=0.03),
    Profile("departments", 3, (0.65, 0.9), uptake=0.8, others=0.1, departments=2, days=(1, 4), steady=0.9,
            tries=0.04, start=(0.2, 0.8), settings=dict(approved_tool=True, licence_per_month=20_000, training_fee=300_000)),
    Profile("habitual", 2, (0.8, 0.97), uptake=0.88, others=0.88, days=(2, 5), steady=0.95, start=(0.0, 0.6),
            settings=dict(approved_tool=True, ai_policy=True, training_for_all=True, training_fee=600_000,
                          licence_per_month=45_000, training_hours_per_person=12, expected_subsidy=300_000)),
)


@dataclass
class Generated:
    companies: int = 0
    users: int = 0
    checkins: int = 0
    rollups: int = 0
    counts: int = 0
    seconds: float = 0.0
    name: str = ""  # the last company written

    def add(self, other: Generated) -> None:
        for name in ("companies", "users", "checkins", "rollups", "counts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.name = other.name


def department_sizes(employees: int, rng: random.Random) -> list[int]:
    """Sizes of 5-25 adding up to `employees` (one smaller department when there are fewer than 5)."""
    sizes: list[int] = []
    left = employees
    while left > 0:
        size = min(left, rng.randint(5, 25))
        if 0 < left - size < 5:
            size = left if left <= 25 else left - 5
        sizes.append(size)
        left -= size
    return sizes


def _next_number() -> int:
    names = db.session.scalars(sa.select(Organization.name).where(Organization.name.like(f"{NAME_PREFIX}%")))
    numbers = [int(m.group(1)) for m in map(NAME_PATTERN.match, names) if m]
    return max(numbers, default=0) + 1


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


class _Rules:
    """is_habitual / is_established per (week, activity of the window), computed once each."""

    def __init__(self, t: rules.Thresholds, weeks: list[date]) -> None:
        self.t = t
        self.weeks = weeks
        self.window = max(t.habitual_weeks, t.established_weeks)
        self.least = min(t.habitual_active, t.established_active)
        self.cache: dict[tuple[int, int], tuple[bool, bool]] = {}

    def of(self, index: int, active: list[bool]) -> tuple[bool, bool]:
        """(habitual, established) in weeks[index] for one person's active flags (one per week)."""
        first = max(0, index - self.window + 1)
        pattern = 0
        for j in range(first, index + 1):
            pattern = pattern << 1 | active[j]
        if pattern.bit_count() < self.least:
            return False, False
        key = (index, pattern)
        found = self.cache.get(key)
        if found is None:
            weeks = [self.weeks[j] for j in range(first, index + 1) if active[j]]
            current = self.weeks[index]
            found = (rules.is_habitual(weeks, current, self.t), rules.is_established(weeks, current, self.t))
            self.cache[key] = found
        return found


def generate(
    companies: int, employees: int, weeks: int, seed: int = 1, now: datetime | None = None,
    progress: Callable[[Generated], None] = lambda done: None,
) -> Generated:
    """Write `companies` new companies; commits after each. Returns what was written."""
    if companies < 0 or employees < 1 or weeks < 1:
        raise ValueError("companies must be 0 or more, employees and weeks 1 or more")
    started = time.perf_counter()
    current = service.this_week(now)
    generated = [current - timedelta(weeks=weeks - i) for i in range(weeks)]  # oldest first, ends last week
    rolled = generated + [current]
    rules_of = _Rules(rules.Thresholds(), rolled)
    total = Generated()
    number = _next_number()
    for _ in range(companies):
        done = _company(number, employees, generated, rolled, rules_of, random.Random(f"{seed}:{number}"))
        db.session.commit()
        total.add(done)
        progress(total)
        number += 1
    total.seconds = time.perf_counter() - started
    return total


def _company(number: int, employees: int, generated: list[date], rolled: list[date], rules_of: _Rules,
             rng: random.Random) -> Generated:
    industry, suffix, names = rng.choice(INDUSTRIES)
    profile = rng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
    band = next((b for limit, b in BANDS if employees <= limit), "300+")
    org = create_organization(
        name=f"{NAME_PREFIX}{number:04d}{suffix}株式会社", industry=industry, employee_band=band,
        prefecture=rng.randint(1, 47), actor=None,
    )
    settings = service.settings_for(org.id)
    for key, value in (profile.settings or {}).items():
        setattr(settings, key, value)
    if profile.settings:
        settings.hourly_cost = rng.choice((2200, 2800, 3000, 3500))
    t = service.thresholds(settings)
    if t != rules_of.t:
        raise RuntimeError("the generator computes rollups with the default thresholds only")

    # Departments of 5-25 people; a few people (the president, a new hire) belong to none.
    unassigned = rng.randint(0, min(3, employees // 10))
    sizes = department_sizes(employees - unassigned, rng)
    pool = list(names) + [n for n in EXTRA_DEPARTMENTS if n not in names]
    department_names = [pool[i] if i < len(pool) else f"第{i - len(pool) + 1}課" for i in range(len(sizes))]
    department_ids = list(db.session.scalars(
        sa.insert(Department).returning(Department.id, sort_by_parameter_order=True),
        [dict(org_id=org.id, name=name) for name in department_names],
    )) if sizes else []
    homes: list[int | None] = [None] * unassigned
    for home, size in zip(department_ids, sizes, strict=True):
        homes += [home] * size

    domain = f"sample{org.id}.example"
    people = []
    for i, department_id in enumerate(homes):
        family, f_romaji = rng.choice(FAMILY)
        given, g_romaji = rng.choice(GIVEN)
        people.append(dict(
            org_id=org.id, department_id=department_id, email=f"{g_romaji}.{f_romaji}.{i + 1}@{domain}",
            display_name=f"{family} {given}", furigana=reading(f"{family} {given}"),
            name_key=name_key(f"{family} {given}", reading(f"{family} {given}")),  # bulk inserts skip the ORM hook
            password_hash=None, locale="ja",
        ))
    user_ids = list(db.session.scalars(
        sa.insert(User).returning(User.id, sort_by_parameter_order=True), people,
    ))
    _insert(UserRole, [dict(user_id=uid, role=Role.EMPLOYEE.value) for uid in user_ids])

    # Who takes AI up, and from which week.
    adopting = set(rng.sample(department_ids, min(profile.departments, len(department_ids))))
    low, high = profile.response
    response = rng.uniform(low, high)
    checkins: list[dict[str, Any]] = []
    active: dict[int, list[bool]] = {}
    answers: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)  # week index → user → answer
    for uid, department_id in zip(user_ids, homes, strict=True):
        share = profile.uptake if (not profile.departments or department_id in adopting) else profile.others
        takes_up = rng.random() < share
        starts = int(len(generated) * rng.uniform(*profile.start))
        answers_often = min(1.0, max(0.1, rng.gauss(response, 0.12)))
        days_low, days_high = profile.days
        usual = rng.randint(days_low, days_high)
        flags = [False] * len(rolled)
        for index, week in enumerate(generated):
            if rng.random() >= answers_often:
                continue
            if takes_up and index >= starts:
                days = max(1, min(7, usual + rng.choice((-1, 0, 0, 1)))) if rng.random() < profile.steady else 0
            else:
                days = 1 if rng.random() < profile.tries else 0
            answer = _answer(days, rng)
            at = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=9)
            checkins.append(dict(org_id=org.id, user_id=uid, week=week, created_at=at, updated_at=at, **answer))
            answers[index][uid] = answer
            flags[index] = days > 0
        active[uid] = flags
    _insert(UsageCheckin, checkins)

    # The rollups and counts, by the same tally as service.rebuild_week.
    rollups: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    department_of = dict(zip(user_ids, homes, strict=True))

    def habit(index: int, uid: int) -> tuple[bool, bool]:
        return rules_of.of(index, active[uid])

    for index, week in enumerate(rolled):
        this_week = {uid: SimpleNamespace(**answer) for uid, answer in answers.get(index, {}).items()}
        tally = service.tally_week(department_of, this_week, functools.partial(habit, index), t)
        week_rollups, week_counts = tally.rows(org.id, week)
        rollups += week_rollups
        counts += week_counts
    _insert(UsageRollup, rollups)
    _insert(UsageCount, counts)
    return Generated(companies=1, users=len(user_ids), checkins=len(checkins), rollups=len(rollups),
                     counts=len(counts), name=org.name)


def _answer(days: int, rng: random.Random) -> dict[str, Any]:
    """One check-in's answers; as `save_checkin` stores them (no tasks, tools or time on zero days)."""
    if days == 0:
        barriers = [rng.choice(BARRIERS)] if rng.random() < 0.5 else []
        return dict(days_used=0, minutes_bucket=0, tasks=[], tools=[], barriers=barriers)
    return dict(
        days_used=days,
        minutes_bucket=min(5, max(1, days - 1 + rng.randint(0, 1))),
        tasks=rng.sample(TASKS, k=min(len(TASKS), 1 + days // 2 + rng.randint(0, 1))),
        tools=_ordered(rng.choice(TOOLS[:2]) if rng.random() < 0.8 else rng.choice(TOOLS) for _ in range(1 + (rng.random() < 0.2))),
        barriers=[rng.choice(BARRIERS)] if days == 1 and rng.random() < 0.2 else [],
    )


def _ordered(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
