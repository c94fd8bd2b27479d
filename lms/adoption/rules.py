"""Habit, stage and return rules: plain functions of plain data, no Flask, no database.

Each rule and where its threshold comes from is explained in docs/adoption-rules.md.
Thresholds are per-company settings; `Thresholds()` holds the defaults.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from lms.core.clock import week_start

CHART_WEEKS = 26  # the weeks the dashboard shows, and the rollups a settings change rebuilds


@dataclass(frozen=True)
class Thresholds:
    # A week is "regular" at the survey's "週3回以上" (3 or more days).
    regular_days: int = 3
    # Microsoft's usage segments: habitual = active 4 of the last 4 weeks; 9 of 12 for the long window.
    habitual_weeks: int = 4
    habitual_active: int = 4
    established_weeks: int = 12
    established_active: int = 9
    # A department "uses AI" when this share of its people is habitual (the 50% early-majority cut).
    department_share: float = 0.5
    # Company-wide: most departments there, and this share of the whole company habitual.
    company_share: float = 0.5
    # Groups smaller than this show "—" to executives.
    min_group: int = 5


# The lowest privacy threshold a company may set: in a group of two, a share reveals the other person's answer.
MIN_GROUP_FLOOR = 3


# --- weeks -------------------------------------------------------------------------------------

def weeks_back(current: date, count: int) -> list[date]:
    """The Mondays of the `count` weeks ending with `current`'s week, oldest first."""
    last = week_start(current)
    return [last - timedelta(weeks=i) for i in range(count - 1, -1, -1)]


class WeekUse(enum.IntEnum):
    INACTIVE = 0
    ACTIVE = 1  # used AI for work on at least one day
    REGULAR = 2  # on `regular_days` days or more


def week_use(days_used: int | None, t: Thresholds = Thresholds()) -> WeekUse:
    """One person's week. No answer counts as inactive: we never guess use we were not told about."""
    if not days_used:
        return WeekUse.INACTIVE
    if not 0 <= days_used <= 7:
        raise ValueError(f"days_used must be 0-7, got {days_used}")
    return WeekUse.REGULAR if days_used >= t.regular_days else WeekUse.ACTIVE


def active_by_either(days_used: int | None, telemetry_days: int | None) -> bool:
    """A person's week counts as active when the self-report says 1+ days or a vendor's telemetry does."""
    return bool(days_used) or bool(telemetry_days)


class Agreement(enum.Enum):
    """How a person's self-report and the vendors' telemetry compare for one week."""

    BOTH_ACTIVE = "both_active"
    BOTH_INACTIVE = "both_inactive"
    TELEMETRY_ONLY = "telemetry_only"  # the vendor saw use the person did not report (or no check-in)
    SELF_ONLY = "self_only"  # reported use the vendor did not see (another tool, or the lower bound of a snapshot)


def agreement(days_used: int | None, telemetry_days: int | None) -> Agreement | None:
    """Compare the two sources for one person-week; None when there is no telemetry for it."""
    if telemetry_days is None:
        return None
    said, seen = bool(days_used), telemetry_days > 0
    if said and seen:
        return Agreement.BOTH_ACTIVE
    if said:
        return Agreement.SELF_ONLY
    return Agreement.TELEMETRY_ONLY if seen else Agreement.BOTH_INACTIVE


def _active_in_window(active_weeks: Iterable[date], current: date, weeks: int) -> int:
    window = set(weeks_back(current, weeks))
    return sum(1 for w in {week_start(d) for d in active_weeks} if w in window)


def is_habitual(active_weeks: Iterable[date], current: date, t: Thresholds = Thresholds()) -> bool:
    """Active in `habitual_active` of the last `habitual_weeks` weeks, counting `current`'s week."""
    return _active_in_window(active_weeks, current, t.habitual_weeks) >= t.habitual_active


def is_established(active_weeks: Iterable[date], current: date, t: Thresholds = Thresholds()) -> bool:
    """定着: active in `established_active` of the last `established_weeks` weeks."""
    return _active_in_window(active_weeks, current, t.established_weeks) >= t.established_active


# --- groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupUsage:
    """One department (or the company) in one week."""

    people: int
    active: int
    habitual: int
    regular: int = 0
    minutes_saved: float = 0.0
    # False for the group of people without a department: they count in company totals only.
    is_department: bool = True

    def share(self, count: int) -> float | None:
        return count / self.people if self.people else None


def shown(group_size: int, value: float | int | None, t: Thresholds = Thresholds()) -> float | int | None:
    """The figure an executive may see: None (shown "—") for groups under `min_group` people."""
    if group_size < t.min_group:
        return None
    return value


def hidden_groups(sizes: Sequence[int], t: Thresholds = Thresholds()) -> set[int]:
    """The groups (by index) whose figures stay hidden when they are shown beside their total.

    `sizes` are the people of groups that together make the total (departments and the people
    without one). A group under `min_group` is hidden. While the hidden groups together are still
    under `min_group` people, the total less the shown groups would give their figures, so the
    smallest shown groups are hidden too until the hidden ones together reach `min_group`
    (complementary suppression). When every group ends up hidden, the total itself is under
    `min_group` and `shown` hides it.
    """
    hidden = {i for i, n in enumerate(sizes) if 0 < n < t.min_group}
    together = sum(sizes[i] for i in hidden)
    for n, i in sorted((n, i) for i, n in enumerate(sizes) if i not in hidden and n > 0):
        if not hidden or together >= t.min_group:
            break
        hidden.add(i)
        together += n
    return hidden


# --- company stage -----------------------------------------------------------------------------

class Stage(enum.IntEnum):
    """The survey's four categories (Q2), in order."""

    NOTHING = 0  # まだ何も取り組んでいない
    PERSONAL = 1  # 従業員が個人的に使用している段階
    SOME_DEPARTMENTS = 2  # 一部の部署で導入・活用している
    COMPANY_WIDE = 3  # 全社的に導入・活用している


@dataclass(frozen=True)
class Declared:
    """What the company says it has in place (entered by its executive or org admin)."""

    approved_tool: bool = False
    ai_policy: bool = False
    training_for_all: bool = False


class Requirement(enum.StrEnum):
    """A condition of a stage; the dashboard lists the unmet ones as the next step."""

    SOMEONE_ACTIVE = "someone_active"
    DEPARTMENT_HABITUAL = "department_habitual"
    APPROVED_TOOL = "approved_tool"
    MOST_DEPARTMENTS = "most_departments"
    COMPANY_HABITUAL = "company_habitual"
    AI_POLICY = "ai_policy"
    TRAINING_FOR_ALL = "training_for_all"


@dataclass(frozen=True)
class StageAssessment:
    stage: Stage
    # Unmet requirements of the next stage; empty at COMPANY_WIDE.
    missing: tuple[Requirement, ...] = field(default_factory=tuple)


def _reaches(group: GroupUsage, share: float) -> bool:
    return group.people > 0 and group.habitual / group.people >= share


def requirements(
    stage: Stage, departments: Sequence[GroupUsage], declared: Declared, t: Thresholds = Thresholds()
) -> dict[Requirement, bool]:
    """Each requirement of `stage` and whether it is met."""
    company = GroupUsage(
        people=sum(d.people for d in departments),
        active=sum(d.active for d in departments),
        habitual=sum(d.habitual for d in departments),
    )
    staffed = [d for d in departments if d.people > 0 and d.is_department]
    reaching = sum(1 for d in staffed if _reaches(d, t.department_share))
    if stage is Stage.NOTHING:
        return {}
    if stage is Stage.PERSONAL:
        return {Requirement.SOMEONE_ACTIVE: company.active > 0}
    if stage is Stage.SOME_DEPARTMENTS:
        return {
            Requirement.DEPARTMENT_HABITUAL: reaching >= 1,
            Requirement.APPROVED_TOOL: declared.approved_tool,
        }
    return {
        # "Most" departments: more than half of those with people.
        Requirement.MOST_DEPARTMENTS: bool(staffed) and reaching * 2 > len(staffed),
        Requirement.COMPANY_HABITUAL: _reaches(company, t.company_share),
        Requirement.APPROVED_TOOL: declared.approved_tool,
        Requirement.AI_POLICY: declared.ai_policy,
        Requirement.TRAINING_FOR_ALL: declared.training_for_all,
    }


def company_stage(
    departments: Sequence[GroupUsage], declared: Declared, t: Thresholds = Thresholds()
) -> StageAssessment:
    """The highest stage whose requirements, and those of every stage below it, are all met.

    `departments` are this week's figures per department; people without a department
    form a group of their own so that nobody is left out of the company totals.
    """
    reached = Stage.NOTHING
    for stage in (Stage.PERSONAL, Stage.SOME_DEPARTMENTS, Stage.COMPANY_WIDE):
        if all(requirements(stage, departments, declared, t).values()):
            reached = stage
        else:
            break
    if reached is Stage.COMPANY_WIDE:
        return StageAssessment(reached)
    unmet = requirements(Stage(reached + 1), departments, declared, t)
    return StageAssessment(reached, tuple(r for r, met in unmet.items() if not met))


# --- time saved and its value ------------------------------------------------------------------

# Minutes saved in a week, answered as a bucket and valued at its midpoint. The open top
# bucket (over 120) is valued at 150: deliberately modest, since the answer is an estimate.
MINUTES_BUCKETS: tuple[tuple[int, int | None, float], ...] = (
    (0, 0, 0.0),
    (1, 15, 7.5),
    (15, 30, 22.5),
    (30, 60, 45.0),
    (60, 120, 90.0),
    (120, None, 150.0),
)


def minutes_midpoint(bucket: int) -> float:
    if not 0 <= bucket < len(MINUTES_BUCKETS):
        raise ValueError(f"unknown minutes bucket {bucket}")
    return MINUTES_BUCKETS[bucket][2]


WEEKS_PER_MONTH = 52 / 12


def monthly_hours(weekly_minutes: float) -> float:
    """Hours a month from minutes a week (52 weeks over 12 months)."""
    return weekly_minutes * WEEKS_PER_MONTH / 60


@dataclass(frozen=True)
class Costs:
    """What the training costs, in yen. The subsidy is an expectation (見込み), never a fact."""

    training_fee: int = 0
    licence_per_month: int = 0
    training_hours_per_person: float = 0.0
    people_trained: int = 0
    hourly_cost: int = 0
    expected_subsidy: int = 0

    def people_time(self) -> float:
        return self.training_hours_per_person * self.people_trained * self.hourly_cost

    def upfront(self) -> float:
        """Cost before any return: the fee and employees' hours in training, less the subsidy."""
        return max(0.0, self.training_fee + self.people_time() - self.expected_subsidy)


@dataclass(frozen=True)
class Return:
    monthly_value: float  # yen a month, after the realisation factor
    monthly_value_raw: float  # yen a month at face value
    monthly_net: float  # monthly value less licences
    payback_month: int | None  # first month whose cumulative net covers the upfront cost
    roi_first_year: float | None  # (benefit - cost) / cost over 12 months, adjusted
    roi_first_year_raw: float | None


def training_return(monthly_hours_saved: float, costs: Costs, realisation: float, horizon: int = 36) -> Return:
    """Forrester-style return: adjusted and raw, with the month the training has paid for itself.

    `realisation` (0-1) discounts self-reported time: not every saved minute becomes value.
    """
    if not 0 <= realisation <= 1:
        raise ValueError("realisation must be between 0 and 1")
    raw = monthly_hours_saved * costs.hourly_cost
    value = raw * realisation
    net = value - costs.licence_per_month
    upfront = costs.upfront()
    payback: int | None = None
    if upfront == 0 and net >= 0:
        payback = 0
    elif net > 0:
        # Rounded first: 650000 / 20312.499999999996 must be 32 months, not 33.
        month = math.ceil(round(upfront / net, 6))
        payback = month if month <= horizon else None

    def roi(monthly: float) -> float | None:
        cost = upfront + 12 * costs.licence_per_month
        if cost <= 0:
            return None
        return (12 * monthly - cost) / cost

    return Return(value, raw, net, payback, roi(value), roi(raw))
