"""The adoption rules (lms/adoption/rules.py) at their boundaries: weeks, habit, privacy, stage, return."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.adoption.rules import (
    Costs,
    Declared,
    GroupUsage,
    Requirement,
    Stage,
    Thresholds,
    WeekUse,
    company_stage,
    is_established,
    is_habitual,
    minutes_midpoint,
    monthly_hours,
    shown,
    training_return,
    week_start,
    week_use,
    weeks_back,
)

MONDAY = date(2025, 3, 3)
ALL_DECLARED = Declared(approved_tool=True, ai_policy=True, training_for_all=True)


def mondays_before(current: date, *offsets: int) -> list[date]:
    """The Mondays `offsets` weeks before `current`'s week (0 is the current week)."""
    return [week_start(current) - timedelta(weeks=n) for n in offsets]


# --- weeks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("offset", range(7))
def test_week_start_is_the_monday_for_every_day_monday_to_sunday(offset):
    assert week_start(MONDAY + timedelta(days=offset)) == MONDAY


def test_week_start_of_the_next_monday_is_that_monday():
    assert week_start(MONDAY + timedelta(days=7)) == MONDAY + timedelta(days=7)


def test_week_start_crosses_the_year_boundary():
    assert week_start(date(2025, 1, 1)) == date(2024, 12, 30)


def test_weeks_back_lists_mondays_oldest_first_across_the_year_boundary():
    assert weeks_back(date(2025, 1, 8), 3) == [date(2024, 12, 23), date(2024, 12, 30), date(2025, 1, 6)]


def test_weeks_back_ends_with_the_current_week_even_on_sunday():
    assert weeks_back(date(2025, 3, 9), 1) == [MONDAY]


# --- one person's week -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "days, expected",
    [
        (None, WeekUse.INACTIVE),
        (0, WeekUse.INACTIVE),
        (1, WeekUse.ACTIVE),
        (2, WeekUse.ACTIVE),
        (3, WeekUse.REGULAR),
        (7, WeekUse.REGULAR),
    ],
)
def test_week_use_default_thresholds(days, expected):
    assert week_use(days) is expected


@pytest.mark.parametrize("days", [-1, 8])
def test_week_use_rejects_days_outside_0_to_7(days):
    with pytest.raises(ValueError):
        week_use(days)


@pytest.mark.parametrize("days, expected", [(3, WeekUse.ACTIVE), (4, WeekUse.REGULAR)])
def test_week_use_follows_the_company_regular_days_setting(days, expected):
    assert week_use(days, Thresholds(regular_days=4)) is expected


# --- habit -------------------------------------------------------------------------------------

def test_habitual_when_active_in_all_of_the_last_four_weeks():
    assert is_habitual(mondays_before(MONDAY, 0, 1, 2, 3), MONDAY)


def test_not_habitual_when_active_in_three_of_four_weeks():
    assert not is_habitual(mondays_before(MONDAY, 0, 1, 3), MONDAY)


def test_weeks_before_the_window_are_not_counted():
    assert not is_habitual(mondays_before(MONDAY, 1, 2, 3, 4), MONDAY)


def test_weeks_after_the_current_week_are_not_counted():
    future = week_start(MONDAY) + timedelta(weeks=1)
    assert not is_habitual(mondays_before(MONDAY, 1, 2, 3) + [future], MONDAY)


def test_a_week_given_twice_counts_once():
    assert not is_habitual(mondays_before(MONDAY, 0, 1, 2, 2), MONDAY)


def test_the_current_week_counts_towards_habit_on_any_day_of_it():
    sunday = MONDAY + timedelta(days=6)
    weeks = mondays_before(sunday, 0, 1, 2, 3)
    assert is_habitual(weeks, sunday)
    assert not is_habitual(weeks[1:], sunday)  # without the current week (offset 0, listed first)


def test_established_at_nine_of_twelve_weeks():
    assert is_established(mondays_before(MONDAY, *range(9)), MONDAY)


def test_not_established_at_eight_of_twelve_weeks():
    # Eight inside the window and one just outside it (13 weeks back).
    assert not is_established(mondays_before(MONDAY, *range(8), 12), MONDAY)


# --- privacy -----------------------------------------------------------------------------------

@pytest.mark.parametrize("size, expected", [(0, None), (4, None), (5, 0.4), (30, 0.4)])
def test_shown_hides_groups_under_five(size, expected):
    assert shown(size, 0.4) == expected


@pytest.mark.parametrize("size, expected", [(9, None), (10, 3)])
def test_shown_follows_the_company_min_group_setting(size, expected):
    assert shown(size, 3, Thresholds(min_group=10)) == expected


# --- company stage -----------------------------------------------------------------------------

def dept(people: int, active: int = 0, habitual: int = 0) -> GroupUsage:
    return GroupUsage(people=people, active=active, habitual=habitual)


def test_nobody_active_is_nothing_and_the_next_step_is_someone_active():
    result = company_stage([dept(10), dept(6)], ALL_DECLARED)
    assert result.stage is Stage.NOTHING
    assert result.missing == (Requirement.SOMEONE_ACTIVE,)


def test_no_departments_at_all_is_nothing():
    assert company_stage([], ALL_DECLARED).stage is Stage.NOTHING


def test_one_active_person_is_personal_use():
    result = company_stage([dept(10, active=1), dept(6)], Declared())
    assert result.stage is Stage.PERSONAL
    assert result.missing == (Requirement.DEPARTMENT_HABITUAL, Requirement.APPROVED_TOOL)


def test_a_department_at_exactly_half_without_an_approved_tool_stays_personal():
    result = company_stage([dept(10, active=5, habitual=5), dept(10)], Declared())
    assert result.stage is Stage.PERSONAL
    assert result.missing == (Requirement.APPROVED_TOOL,)


def test_a_department_just_under_half_is_not_habitual():
    result = company_stage([dept(10, active=4, habitual=4)], Declared(approved_tool=True))
    assert result.stage is Stage.PERSONAL
    assert result.missing == (Requirement.DEPARTMENT_HABITUAL,)


def test_a_department_at_half_with_an_approved_tool_is_some_departments():
    result = company_stage([dept(10, active=5, habitual=5), dept(10)], Declared(approved_tool=True))
    assert result.stage is Stage.SOME_DEPARTMENTS
    assert result.missing == (
        Requirement.MOST_DEPARTMENTS,
        Requirement.COMPANY_HABITUAL,
        Requirement.AI_POLICY,
        Requirement.TRAINING_FOR_ALL,
    )


def test_exactly_half_of_departments_reaching_is_not_most():
    # Two of four departments reach; the company as a whole is habitual (12 of 20).
    departments = [dept(5, 5, 5), dept(5, 5, 5), dept(5, 1, 1), dept(5, 1, 1)]
    result = company_stage(departments, ALL_DECLARED)
    assert result.stage is Stage.SOME_DEPARTMENTS
    assert result.missing == (Requirement.MOST_DEPARTMENTS,)


def test_company_wide_needs_the_company_share_as_well_as_most_departments():
    # Two of three small departments reach, but the large one keeps the company at 10 of 24.
    departments = [dept(2, 1, 1), dept(2, 1, 1), dept(20, 8, 8)]
    result = company_stage(departments, ALL_DECLARED)
    assert result.stage is Stage.SOME_DEPARTMENTS
    assert result.missing == (Requirement.COMPANY_HABITUAL,)


def test_company_wide_at_exactly_half_of_the_company_with_all_declarations():
    departments = [dept(10, 5, 5), dept(10, 5, 5), dept(10, 5, 5)]
    result = company_stage(departments, ALL_DECLARED)
    assert result.stage is Stage.COMPANY_WIDE
    assert result.missing == ()


@pytest.mark.parametrize(
    "declared, missing",
    [
        (Declared(approved_tool=True), (Requirement.AI_POLICY, Requirement.TRAINING_FOR_ALL)),
        (Declared(approved_tool=True, ai_policy=True), (Requirement.TRAINING_FOR_ALL,)),
        (Declared(approved_tool=True, training_for_all=True), (Requirement.AI_POLICY,)),
    ],
)
def test_company_wide_needs_every_declaration(declared, missing):
    result = company_stage([dept(10, 8, 8), dept(10, 8, 8)], declared)
    assert result.stage is Stage.SOME_DEPARTMENTS
    assert result.missing == missing


def test_departments_without_people_are_ignored():
    # Two staffed departments both reach; the empty ones would make it two of five otherwise.
    departments = [dept(6, 3, 3), dept(6, 4, 4), dept(0), dept(0), dept(0)]
    assert company_stage(departments, ALL_DECLARED).stage is Stage.COMPANY_WIDE


def test_stage_follows_the_company_department_share_setting():
    departments = [dept(10, 5, 5), dept(10)]
    result = company_stage(departments, Declared(approved_tool=True), Thresholds(department_share=0.6))
    assert result.stage is Stage.PERSONAL


# --- time saved and its value ------------------------------------------------------------------

@pytest.mark.parametrize("bucket, minutes", [(0, 0.0), (1, 7.5), (2, 22.5), (3, 45.0), (4, 90.0), (5, 150.0)])
def test_minutes_bucket_midpoints(bucket, minutes):
    assert minutes_midpoint(bucket) == minutes


@pytest.mark.parametrize("bucket", [-1, 6])
def test_unknown_minutes_bucket_raises(bucket):
    with pytest.raises(ValueError):
        minutes_midpoint(bucket)


def test_monthly_hours_use_52_weeks_over_12_months():
    assert monthly_hours(60) == pytest.approx(52 / 12)
    assert monthly_hours(180) == pytest.approx(13.0)
    assert monthly_hours(0) == 0


def test_upfront_is_fee_plus_peoples_hours_less_subsidy():
    costs = Costs(training_fee=100_000, training_hours_per_person=10, people_trained=5,
                  hourly_cost=3_000, expected_subsidy=50_000)
    assert costs.upfront() == 100_000 + 150_000 - 50_000


def test_upfront_never_goes_below_zero_when_the_subsidy_exceeds_the_cost():
    assert Costs(training_fee=100_000, expected_subsidy=300_000).upfront() == 0


def test_upfront_leaves_out_licences():
    assert Costs(training_fee=100_000, licence_per_month=9_000).upfront() == 100_000


def test_return_raw_and_adjusted_values():
    result = training_return(10, Costs(hourly_cost=3_000, licence_per_month=5_000, training_fee=100_000), 0.5)
    assert result.monthly_value_raw == 30_000
    assert result.monthly_value == 15_000
    assert result.monthly_net == 10_000
    # 12 months: cost 100,000 + 60,000; benefit 180,000 adjusted and 360,000 raw.
    assert result.roi_first_year == pytest.approx((180_000 - 160_000) / 160_000)
    assert result.roi_first_year_raw == pytest.approx((360_000 - 160_000) / 160_000)


@pytest.mark.parametrize("fee, month", [(100_000, 10), (100_001, 11), (99_999, 10), (1, 1)])
def test_payback_month_is_the_first_month_that_covers_the_upfront_cost(fee, month):
    # 10 hours at 2,000 yen, half realised: 10,000 yen a month.
    assert training_return(10, Costs(hourly_cost=2_000, training_fee=fee), 0.5).payback_month == month


@pytest.mark.parametrize("horizon, month", [(10, 10), (9, None)])
def test_payback_beyond_the_horizon_is_none(horizon, month):
    costs = Costs(hourly_cost=2_000, training_fee=100_000)
    assert training_return(10, costs, 0.5, horizon=horizon).payback_month == month


def test_never_pays_back_when_licences_eat_the_value():
    costs = Costs(hourly_cost=2_000, training_fee=100_000, licence_per_month=10_000)
    result = training_return(10, costs, 0.5)
    assert result.monthly_net == 0
    assert result.payback_month is None


def test_zero_upfront_pays_back_at_month_zero():
    costs = Costs(hourly_cost=2_000, training_fee=100_000, expected_subsidy=100_000, licence_per_month=1_000)
    assert training_return(10, costs, 0.5).payback_month == 0


def test_zero_upfront_with_a_monthly_loss_never_pays_back():
    assert training_return(0, Costs(hourly_cost=2_000, licence_per_month=1_000), 0.5).payback_month is None


def test_roi_is_none_when_nothing_was_spent():
    result = training_return(10, Costs(hourly_cost=2_000), 0.5)
    assert result.roi_first_year is None
    assert result.roi_first_year_raw is None


@pytest.mark.parametrize("realisation", [-0.01, 1.01])
def test_realisation_outside_0_to_1_raises(realisation):
    with pytest.raises(ValueError):
        training_return(10, Costs(hourly_cost=2_000), realisation)


@pytest.mark.parametrize("realisation, value", [(0, 0), (1, 20_000)])
def test_realisation_at_its_bounds_is_accepted(realisation, value):
    assert training_return(10, Costs(hourly_cost=2_000), realisation).monthly_value == value


def test_payback_month_is_not_one_late_from_float_rounding_of_monthly_hours():
    # 10 people in the 15-30 bucket: 225 min/week = 16.25 h/month exactly; at 2,500 yen and 0.5
    # realised that is 20,312.5 yen a month, so 650,000 yen is covered at the end of month 32.
    # monthly_hours returns 16.249999999999996, so ceil(650000 / 20312.499999999996) gives 33.
    hours = monthly_hours(10 * minutes_midpoint(2))
    assert training_return(hours, Costs(hourly_cost=2_500, training_fee=650_000), 0.5).payback_month == 32


def test_people_without_a_department_count_for_the_company_but_are_not_a_department():
    unassigned = GroupUsage(people=1, active=1, habitual=1, is_department=False)
    sales = GroupUsage(people=10, active=2, habitual=1)
    assessment = company_stage([unassigned, sales], Declared(approved_tool=True))
    assert assessment.stage is Stage.PERSONAL
    assert Requirement.DEPARTMENT_HABITUAL in assessment.missing


def test_any_day_of_a_week_counts_as_that_week():
    monday = date(2026, 11, 2)
    wednesdays = [monday + timedelta(weeks=i, days=2) for i in range(4)]
    assert is_habitual(wednesdays, monday + timedelta(weeks=3))
