"""Self-report beside the AI services' usage data per department and in the exports (issue 15, item 1)."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import dashboard, rules
from lms.core.clock import utcnow, week_start
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.usage.models import UsageTelemetry
from tests.usageworld import checkin

NOW = utcnow()
THIS_WEEK = week_start(NOW.astimezone(ZoneInfo("Asia/Tokyo")).date())
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)
SHEET = "利用データと自己申告"


# --- the rule: which groups stay hidden beside their total -------------------------------------

@pytest.mark.parametrize(("sizes", "hidden"), [
    ([6, 5], set()),  # every group large enough
    ([6, 5, 2], {1, 2}),  # 2 alone would be the total less 6 and 5: the smallest shown one goes too
    ([6, 7, 2, 3], {2, 3}),  # the two small ones are 5 together: nothing more to hide
    ([6, 2], {0, 1}),  # the only other group goes too; the company (8) stays shown
    ([3], {0}),  # the company is the group: `shown` hides it as well
    ([9, 1, 1, 1], {0, 1, 2, 3}),
    ([6, 8, 4, 10], {0, 2}),  # the smallest shown group, not the first
    ([], set()),
])
def test_small_groups_and_what_would_give_them_away_stay_hidden(sizes: list[int], hidden: set[int]) -> None:
    assert rules.hidden_groups(sizes, rules.Thresholds(min_group=5)) == hidden


@pytest.mark.parametrize("min_group", [3, 5, 8])
def test_what_is_hidden_is_never_a_group_under_the_threshold_on_its_own(min_group: int) -> None:
    t = rules.Thresholds(min_group=min_group)
    for sizes in ([1], [2, 9], [4, 4, 4], [1, 2, 3, 20], [7, 1, 30, 2], [10, 10, 1]):
        hidden = rules.hidden_groups(sizes, t)
        assert all(sizes[i] >= min_group for i in range(len(sizes)) if i not in hidden)
        together = sum(sizes[i] for i in hidden)
        # What the total less the shown groups gives away is either nothing, a large enough group, or the
        # whole company, which is then itself under the threshold.
        assert together == 0 or together >= min_group or len(hidden) == len(sizes), sizes


# --- one company, hand-built -------------------------------------------------------------------

def telemetry(user: User, week: date, days: int, source: str = "viva") -> None:
    db.session.add(UsageTelemetry(org_id=user.org_id, user_id=user.id, week_start=week, source=source,
                                  active_days=days, detail={}))
    db.session.commit()




@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    return hand_built(create_org, create_user)


def hand_built(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    """営業部: six people with telemetry (each way the sources can agree or not) and one with a check-in only;
    製造部: five people active by both."""
    org = create_org("比較商事株式会社")
    sales, factory = Department(org_id=org.id, name="営業部"), Department(org_id=org.id, name="製造部")
    db.session.add_all([sales, factory])
    db.session.commit()
    people = [create_user(org, email=f"hikaku{n}@example.co.jp", name=f"比較 花子{n}", department_id=sales.id)
              for n in range(7)]
    makers = [create_user(org, email=f"seizo{n}@example.co.jp", department_id=factory.id) for n in range(5)]
    boss = create_user(org, roles=(Role.EXECUTIVE,), email="boss@example.co.jp")
    # (reported days or None for no check-in, telemetry days or None for none)
    for person, (said, seen) in zip(people, [
        (2, 1), (3, 4),  # both active
        (2, 0),  # reported use the data does not show (self-report only)
        (0, 2), (None, 1),  # used AI but did not report it (telemetry only), with a 0 and with no check-in
        (0, 0),  # neither
        (4, None),  # no telemetry at all: not in the comparison
    ], strict=True):
        if said is not None:
            checkin(person, LAST_WEEK, said)
        if seen is not None:
            telemetry(person, LAST_WEEK, seen)
    for maker in makers:
        checkin(maker, LAST_WEEK, 1)
        telemetry(maker, LAST_WEEK, 2)
        telemetry(maker, LAST_WEEK, 0, source="chatgpt")  # two vendors: active by either
    telemetry(boss, LAST_WEEK, 5)  # not an employee: never counted
    return {"org": org, "sales": sales, "factory": factory, "people": people, "makers": makers, "boss": boss,
            "create_user": create_user}


def figures(c: dashboard.SourceComparison) -> tuple[Any, ...]:
    return c.name, c.people, c.telemetry_active, c.self_active, c.telemetry_only, c.self_only


def test_each_department_shows_both_sources_and_where_they_disagree(company: dict[str, Any]) -> None:
    board = dashboard.build(company["org"], now=NOW)
    assert [figures(d) for d in board.source_departments] == [
        ("営業部", 6, 4 / 6, 3 / 6, 2, 1),
        ("製造部", 5, 1.0, 1.0, 0, 0),
    ]
    assert board.sources is not None
    assert figures(board.sources) == ("", 11, 9 / 11, 8 / 11, 2, 1)


def test_a_small_department_and_the_one_that_would_give_it_away_show_no_figures(company: dict[str, Any]) -> None:
    org = company["org"]
    office = Department(org_id=org.id, name="総務部")
    db.session.add(office)
    db.session.commit()
    for _n in range(2):
        clerk = company["create_user"](org, department_id=office.id)
        checkin(clerk, LAST_WEEK, 1)
        telemetry(clerk, LAST_WEEK, 0)
    board = dashboard.build(org, now=NOW)
    assert [figures(d) for d in board.source_departments] == [
        ("営業部", 6, 4 / 6, 3 / 6, 2, 1),
        ("総務部", 2, None, None, None, None),
        # 13 − 6 would be 製造部 and 総務部 together: 製造部 is hidden too, or 総務部 = company − 営業部 − 製造部.
        ("製造部", 5, None, None, None, None),
    ]
    assert board.sources is not None and figures(board.sources) == ("", 13, 9 / 13, 10 / 13, 2, 3)


def test_people_without_a_department_are_a_group_of_their_own_listed_last(company: dict[str, Any]) -> None:
    org = company["org"]
    for _n in range(5):
        loner = company["create_user"](org)
        telemetry(loner, LAST_WEEK, 1)
    board = dashboard.build(org, now=NOW)
    assert [figures(d) for d in board.source_departments][-1] == ("", 5, 1.0, 0.0, 5, 0)


def test_a_small_company_shows_no_figures_at_all(create_org: Callable[..., Organization],
                                                 create_user: Callable[..., User]) -> None:
    org = create_org("小さな会社")
    team = Department(org_id=org.id, name="営業部")
    db.session.add(team)
    db.session.commit()
    for _n in range(3):
        telemetry(create_user(org, department_id=team.id), LAST_WEEK, 1)
    board = dashboard.build(org, now=NOW)
    assert board.sources is not None and figures(board.sources) == ("", 3, None, None, None, None)
    assert [figures(d) for d in board.source_departments] == [("営業部", 3, None, None, None, None)]


def test_without_telemetry_for_last_week_there_is_no_comparison(company: dict[str, Any]) -> None:
    db.session.execute(sa.delete(UsageTelemetry).where(UsageTelemetry.week_start == LAST_WEEK))
    db.session.commit()
    board = dashboard.build(company["org"], now=NOW)
    assert board.sources is None and board.source_departments == []


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        if text.lstrip().upper().startswith("SELECT"):  # not the test transaction's savepoints
            seen.append(text)

    connection = db.session.connection()  # the test's own connection, on SQLite and PostgreSQL alike
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


def test_the_comparison_takes_two_queries_however_many_departments(company: dict[str, Any]) -> None:
    org, t = company["org"], rules.Thresholds()
    org_id = org.id
    with statements() as two:
        dashboard.source_comparison(org_id, LAST_WEEK, t, {})
    for n in range(4):
        extra = Department(org_id=org.id, name=f"部署{n}")
        db.session.add(extra)
        db.session.commit()
        telemetry(company["create_user"](org, department_id=extra.id), LAST_WEEK, 1)
    org_id = org.id
    with statements() as six:
        sources = dashboard.source_comparison(org_id, LAST_WEEK, t, {})
    assert len(sources.departments) == 6
    # One for every figure (the trend, the company and each department), one for the names of the sources.
    assert (len(two), len(six)) == (2, 2), (two, six)


# --- the page and the exports ------------------------------------------------------------------

def workbook(client: Any, org: Organization) -> tuple[bytes, openpyxl.Workbook]:
    answer = client.get(f"/o/{org.id}/adoption/export.xlsx")
    assert answer.status_code == 200
    return answer.data, openpyxl.load_workbook(io.BytesIO(answer.data))


def test_the_export_has_the_comparison_per_department_with_the_pages_labels(client: Any,
                                                                            company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("boss@example.co.jp")
    raw = client.get(f"/o/{org.id}/adoption/export/sources.csv").data
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        ["部署", "利用データのある人数", "利用データで利用あり", "自己申告で利用あり",
         "利用データでは利用ありで、自己申告なし", "自己申告では利用ありで、利用データに記録なし"],
        ["営業部", "6", "66.7", "50.0", "2", "1"],
        ["製造部", "5", "100.0", "100.0", "0", "0"],
        ["会社全体", "11", "81.8", "72.7", "2", "1"],
    ]
    _, book = workbook(client, org)
    assert SHEET in book.sheetnames
    sheet = [[cell.value for cell in row] for row in book[SHEET].iter_rows()]
    assert sheet[0] == rows[0]
    assert sheet[1] == ["営業部", 6, pytest.approx(4 / 6), 0.5, 2, 1]
    assert sheet[3] == ["会社全体", 11, pytest.approx(9 / 11), pytest.approx(8 / 11), 2, 1]
    assert book[SHEET]["C2"].number_format == "0.0%"
    page = client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    assert 'data-testid="table-sources"' in page
    for label in rows[0][1:]:
        assert label in page


def test_hidden_departments_are_dashes_in_the_export(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    office = Department(org_id=org.id, name="総務部")
    db.session.add(office)
    db.session.commit()
    telemetry(company["create_user"](org, department_id=office.id), LAST_WEEK, 1)
    client.login("boss@example.co.jp")
    rows = list(csv.reader(io.StringIO(client.get(f"/o/{org.id}/adoption/export/sources.csv").data.decode("utf-8-sig"))))
    assert rows[2:4] == [["総務部", "1", "—", "—", "—", "—"], ["製造部", "5", "—", "—", "—", "—"]]
    _, book = workbook(client, org)
    assert [c.value for c in book[SHEET][3]] == ["総務部", 1, None, None, None, None]
    page = client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    dashes = '<td class="num">—</td>' * 4
    assert f'<th scope="row">総務部</th><td class="num">1</td>{dashes}' in page
    assert f'<th scope="row">製造部</th><td class="num">5</td>{dashes}' in page


def test_without_usage_data_the_sheet_says_so_in_one_row(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    db.session.execute(sa.delete(UsageTelemetry).where(UsageTelemetry.week_start == LAST_WEEK))
    db.session.commit()
    client.login("boss@example.co.jp")
    _, book = workbook(client, org)
    rows = [[cell.value for cell in row] for row in book[SHEET].iter_rows(min_row=2)]
    assert len(rows) == 1 and "利用データ" in rows[0][0] and rows[0][1:] == [None] * 5
    csv_rows = list(csv.reader(io.StringIO(
        client.get(f"/o/{org.id}/adoption/export/sources.csv").data.decode("utf-8-sig"))))
    assert len(csv_rows) == 2 and csv_rows[1][0] == rows[0][0] and csv_rows[1][1:] == [""] * 5
    assert 'data-testid="table-sources"' not in client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)


def test_no_name_or_address_reaches_the_page_or_the_exports(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("boss@example.co.jp")
    raw, _ = workbook(client, org)
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        xml = b"".join(book.read(name) for name in book.namelist())
    outputs = {
        "page": client.get(f"/o/{org.id}/adoption/").data,
        "csv": client.get(f"/o/{org.id}/adoption/export/sources.csv").data,
        "xlsx": xml,
    }
    for person in company["people"]:
        for what, data in outputs.items():
            assert person.display_name.encode() not in data, what
            assert person.email.encode() not in data, what
            assert person.email.split("@")[0].encode() not in data, what


# --- the trend: company-wide, the last eight weeks ---------------------------------------------

def test_the_trend_starts_with_the_first_week_of_usage_data_and_hides_small_weeks(company: dict[str, Any]) -> None:
    early, gap, small = (LAST_WEEK - timedelta(weeks=n) for n in (3, 2, 1))
    for n, person in enumerate(company["people"][:6]):
        telemetry(person, early, 1 if n < 3 else 0)
        if n == 0:
            checkin(person, early, 2)
    for maker in company["makers"][:2]:
        telemetry(maker, small, 3)
    telemetry(company["people"][0], LAST_WEEK - timedelta(weeks=20), 1)  # before the eight weeks: not read
    board = dashboard.build(company["org"], now=NOW)
    assert [(w, figures(s)[1:]) for w, s in board.source_weeks] == [
        (early, (6, 3 / 6, 1 / 6, 2, 0)),
        (gap, (0, None, None, None, None)),
        (small, (2, None, None, None, None)),
        (LAST_WEEK, (11, 9 / 11, 8 / 11, 2, 1)),
    ]


def test_the_trend_is_a_table_of_the_exports(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("boss@example.co.jp")
    rows = list(csv.reader(io.StringIO(
        client.get(f"/o/{org.id}/adoption/export/source_weeks.csv").data.decode("utf-8-sig"))))
    assert rows == [
        ["週の始まり", "利用データのある人数", "利用データで利用あり", "自己申告で利用あり",
         "利用データでは利用ありで、自己申告なし", "自己申告では利用ありで、利用データに記録なし"],
        [LAST_WEEK.isoformat(), "11", "81.8", "72.7", "2", "1"],
    ]
    _, book = workbook(client, org)
    sheet = book["利用データと自己申告（週次）"]
    assert sheet["A2"].value.date() == LAST_WEEK and sheet["B2"].value == 11
    assert 'data-testid="table-source_weeks"' in client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    db.session.execute(sa.delete(UsageTelemetry))
    db.session.commit()
    _, book = workbook(client, org)
    assert [[c.value for c in row] for row in book["利用データと自己申告（週次）"].iter_rows(min_row=2)] == [
        ["直近8週のAIサービスの利用データはまだ取り込まれていません。", None, None, None, None, None]]
