"""The vendor usage parsers: detection, each source's columns and dates, and the bad input of issue 15."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from lms.core.tabular import read_table
from lms.usage import sources
from lms.usage.sources import UsageFileError, detect, header_key, parse_rows

DATA = Path(__file__).parent / "data" / "usage"
TODAY = date(2026, 12, 1)
WEEK = date(2026, 11, 23)


def rows_of(name: str) -> list[tuple[int, list[str]]]:
    rows, _ = read_table((DATA / name).read_bytes(), name, sources.MAX_ROWS)
    return rows


def parse(name: str, kind: str = "auto") -> sources.ParsedUsage:
    return parse_rows(rows_of(name), kind, TODAY)


def table(header: list[str], *rows: list[str]) -> list[tuple[int, list[str]]]:
    return [(n, cells) for n, cells in enumerate([header, *rows], start=1)]


def weeks(parsed: sources.ParsedUsage) -> dict[tuple[str, date], int]:
    return {(w.email, w.week): w.active_days for w in parsed.weeks}


def problems(name_or_rows: object, kind: str = "auto") -> list[sources.UsageProblem]:
    rows = rows_of(name_or_rows) if isinstance(name_or_rows, str) else name_or_rows
    with pytest.raises(UsageFileError) as caught:
        parse_rows(rows, kind, TODAY)  # type: ignore[arg-type]
    return caught.value.problems


@pytest.mark.parametrize(("text", "key"), [
    ("User Principal Name", "user_principal_name"),
    ("userPrincipalName", "user_principal_name"),
    ("Days of active Copilot chat (work) usage", "days_of_active_copilot_chat_work_usage"),
    ("Days_of_active_Copilot_chat__work__usage", "days_of_active_copilot_chat_work_usage"),
    ("ＭｅｔｒｉｃＤａｔｅ", "metric_date"),
    ("\ufeffuser.email_address", "user_email_address"),
])
def test_header_key_folds_case_camel_case_spaces_and_punctuation(text: str, key: str) -> None:
    assert header_key(text) == key


@pytest.mark.parametrize(("name", "kind"), [
    ("m365_copilot_user_detail.csv", sources.M365),
    ("m365_copilot_user_detail_api.csv", sources.M365),
    ("viva_person_query_cp932.csv", sources.VIVA),
    ("viva_person_query_cleaned.csv", sources.VIVA),
    ("chatgpt_user_engagement_weekly.csv", sources.CHATGPT),
    ("chatgpt_user_engagement_monthly.csv", sources.CHATGPT),
    ("claude_enterprise_analytics.xlsx", sources.CLAUDE),
    ("gemini_activity.csv", sources.GEMINI),
])
def test_each_sample_is_detected_from_its_headers(name: str, kind: str) -> None:
    assert detect(rows_of(name)[0][1]) == kind
    assert parse(name).kind == kind


def test_m365_csv_and_api_names_read_the_same_known_active_days() -> None:
    csv_weeks = weeks(parse("m365_copilot_user_detail.csv"))
    assert csv_weeks == weeks(parse("m365_copilot_user_detail_api.csv"))
    # Word on Tuesday, Teams and chat on Thursday: two known days; upper-case address folded.
    assert csv_weeks[("sato.hanako@example.co.jp", WEEK)] == 2
    assert csv_weeks[("suzuki.ichiro@example.co.jp", WEEK)] == 1
    # Licensed but last active in October: an inactive week, not a missing one.
    assert csv_weeks[("tanaka.yuki@example.co.jp", WEEK)] == 0


def test_m365_per_app_detail() -> None:
    sato = next(w for w in parse("m365_copilot_user_detail.csv").weeks if w.email.startswith("sato"))
    assert sato.detail == {"word": 1, "teams": 1, "chat": 1}


def test_m365_concealed_names_are_one_error_explaining_the_admin_center_setting() -> None:
    found = problems("m365_copilot_concealed.csv")
    assert [p.code for p in found] == ["concealed_names"]
    assert found[0].column == "User Principal Name"


def test_viva_raw_cp932_and_cleaned_headers_read_the_same() -> None:
    raw, cleaned = parse("viva_person_query_cp932.csv"), parse("viva_person_query_cleaned.csv")
    assert weeks(raw) == weeks(cleaned)
    # MetricDate 2026-11-22 is a Sunday (Viva weeks start on Sunday): counted in the Japan week of the 23rd.
    assert weeks(raw)[("sato.hanako@example.co.jp", WEEK)] == 4
    assert weeks(raw)[("sato.hanako@example.co.jp", date(2026, 11, 16))] == 3
    sato = next(w for w in raw.weeks if w.week == WEEK and w.email.startswith("sato"))
    assert sato.detail == {"word": 3, "excel": 1, "teams": 2, "chat": 3}


def test_viva_more_than_seven_days_is_a_row_error() -> None:
    header = ["PersonId", "MetricDate", "Total_Copilot_active_days"]
    parsed = parse_rows(table(header, ["a@example.co.jp", "2026-11-22", "8"]), "auto", TODAY)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [("invalid_days", 2, "Total_Copilot_active_days")]
    assert parsed.weeks == []


def test_chatgpt_weekly_first_and_last_day_department_json_and_python_dict() -> None:
    parsed = parse("chatgpt_user_engagement_weekly.csv")
    assert weeks(parsed) == {("sato.hanako@example.co.jp", WEEK): 2, ("suzuki.ichiro@example.co.jp", WEEK): 1,
                             ("tanaka.yuki@example.co.jp", WEEK): 0}
    sato = next(w for w in parsed.weeks if w.email.startswith("sato"))
    assert sato.detail == {"gpt-4o": 30, "o3": 12}  # written as a Python-style dict with single quotes
    assert parsed.problems == []


def test_chatgpt_monthly_counts_the_known_days_in_their_weeks() -> None:
    assert weeks(parse("chatgpt_user_engagement_monthly.csv")) == {
        ("sato.hanako@example.co.jp", date(2026, 11, 2)): 1, ("sato.hanako@example.co.jp", WEEK): 1}


@pytest.mark.parametrize(("column", "value"), [("model_to_messages", "{'gpt-4o': 3"), ("department", '["営業部"')])
def test_chatgpt_malformed_json_is_a_row_error_naming_the_column(column: str, value: str) -> None:
    header = sources.REQUIRED[sources.CHATGPT] + ("model_to_messages", "department")
    row = {"period_start": "2026-11-23", "period_end": "2026-11-29", "email": "a@example.co.jp",
           "first_day_active_in_period": "2026-11-24", "last_day_active_in_period": "2026-11-24",
           "model_to_messages": "{}", "department": "[]", column: value}
    parsed = parse_rows(table(list(header), [row[h] for h in header]), "auto", TODAY)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [("invalid_json", 2, column)]


def test_chatgpt_active_day_outside_the_period_is_a_row_error() -> None:
    header = list(sources.REQUIRED[sources.CHATGPT])
    parsed = parse_rows(table(header, ["2026-11-23", "2026-11-29", "a@example.co.jp", "2026-11-20", "2026-11-24"]),
                        "auto", TODAY)
    assert [(p.code, p.row, p.column, p.value) for p in parsed.problems] == [
        ("date_outside_period", 2, "first_day_active_in_period", "2026-11-20")]
    assert parsed.weeks == []


def test_claude_xlsx_active_day_means_messages() -> None:
    parsed = parse("claude_enterprise_analytics.xlsx")
    found = weeks(parsed)
    assert found[("sato.hanako@example.co.jp", WEEK)] == 3  # the 25th had no messages
    assert found[("sato.hanako@example.co.jp", date(2026, 11, 30))] == 1
    assert found[("suzuki.ichiro@example.co.jp", WEEK)] == 0


def test_claude_team_plan_file_says_there_are_no_analytics() -> None:
    assert [p.code for p in problems("claude_team_members.csv")] == ["claude_team_plan"]
    assert [p.code for p in problems("claude_team_members.csv", sources.CLAUDE)] == ["claude_team_plan"]


def test_claude_days_before_the_api_existed_are_row_errors() -> None:
    header = list(sources.REQUIRED[sources.CLAUDE])
    parsed = parse_rows(table(header, ["a@example.co.jp", "2025-12-31", "3"]), "auto", TODAY)
    assert [(p.code, p.column) for p in parsed.problems] == [("date_outside_period", "date")]


def test_gemini_days_are_japan_dates() -> None:
    found = weeks(parse("gemini_activity.csv"))
    # 2026-11-29 15:30 UTC is Monday 30 November 00:30 in Japan: the next week.
    assert found[("sato.hanako@example.co.jp", date(2026, 11, 30))] == 1
    assert found[("sato.hanako@example.co.jp", WEEK)] == 2


def test_gemini_other_events_are_not_activity() -> None:
    header = ["id.time", "actor.email", "events.name"]
    parsed = parse_rows(table(header, ["2026-11-24T01:00:00Z", "a@example.co.jp", "gemini_settings_changed"]),
                        "auto", TODAY)
    assert parsed.weeks == []


def test_unknown_columns_name_the_closest_source_and_what_it_lacks() -> None:
    found = problems(table(["User Principal Name", "Display Name", "Last Activity Date", "Favourite colour"],
                           ["a@example.co.jp", "A", "2026-11-24", "blue"]))
    assert [(p.code, p.source) for p in found] == [("unknown_source", sources.M365)]
    assert found[0].column == "report_refresh_date, report_period"


def test_another_vendors_file_is_refused_naming_what_it_is() -> None:
    found = problems("gemini_activity.csv", sources.CHATGPT)
    assert [(p.code, p.source, p.value) for p in found] == [("wrong_source", sources.GEMINI, sources.CHATGPT)]


def test_missing_required_column_of_the_chosen_source_is_named() -> None:
    rows = table(["PersonId", "MetricDate"], ["a@example.co.jp", "2026-11-22"])
    assert [(p.code, p.column) for p in problems(rows, sources.VIVA)] == [("missing_column", "total_copilot_active_days")]


def test_future_dates_and_bad_addresses_are_row_errors_with_row_and_column() -> None:
    header = ["PersonId", "MetricDate", "Total_Copilot_active_days"]
    parsed = parse_rows(table(header, ["a@example.co.jp", "2026-12-06", "1"], ["not an address", "2026-11-22", "1"],
                              ["b@example.co.jp", "22/11/2026", "1"]), "auto", TODAY)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [
        ("date_outside_period", 2, "MetricDate"), ("invalid_email", 3, "PersonId"), ("invalid_date", 4, "MetricDate")]


def test_header_only_file_has_no_rows() -> None:
    assert [p.code for p in problems(table(["PersonId", "MetricDate", "Total_Copilot_active_days"]))] == ["no_rows"]


def test_email_is_nfkc_and_case_folded() -> None:
    header = ["PersonId", "MetricDate", "Total_Copilot_active_days"]
    parsed = parse_rows(table(header, ["ＳＡＴＯ.Hanako@Example.CO.JP", "2026-11-22", "2"]), "auto", TODAY)
    assert [w.email for w in parsed.weeks] == ["sato.hanako@example.co.jp"]


def test_the_same_person_and_week_twice_is_a_row_error() -> None:
    header = ["PersonId", "MetricDate", "Total_Copilot_active_days"]
    parsed = parse_rows(table(header, ["a@example.co.jp", "2026-11-22", "2"], ["A@example.co.jp", "2026-11-22", "3"]),
                        "auto", TODAY)
    assert [(p.code, p.row) for p in parsed.problems] == [("duplicate_row", 3)]


def test_cp932_sample_really_is_cp932() -> None:
    _, encoding = read_table((DATA / "viva_person_query_cp932.csv").read_bytes(), "x.csv", 10)
    assert encoding == "cp932"


def test_raw_rows_are_kept_as_read() -> None:
    parsed = parse("gemini_activity.csv")
    with (DATA / "gemini_activity.csv").open(encoding="utf-8", newline="") as handle:
        expected = list(csv.reader(io.StringIO(handle.read())))[1:]
    assert parsed.raw == expected and parsed.row_numbers == [2, 3, 4, 5, 6]


# --- a company's own format ----------------------------------------------------------------------


def test_own_format_with_japanese_headers_counts_days_with_activity() -> None:
    mapping = sources.ColumnMapping(email="メールアドレス", date="利用日", activity="回数")
    rows = table(["社員番号", "メールアドレス", "利用日", "回数"],
                 ["1", "sato.hanako@example.co.jp", "2026/11/24", "3"],
                 ["1", "sato.hanako@example.co.jp", "2026/11/25", "0"],
                 ["1", "sato.hanako@example.co.jp", "2026/11/26", "1"],
                 ["2", "suzuki.ichiro@example.co.jp", "2026-11-24", "0"])
    parsed = parse_rows(rows, "auto", TODAY, mapping)
    assert parsed.kind == sources.GENERIC and parsed.problems == []
    assert weeks(parsed) == {("sato.hanako@example.co.jp", WEEK): 2, ("suzuki.ichiro@example.co.jp", WEEK): 0}


def test_own_format_without_activity_column_counts_rows_and_utc_times_are_japan_dates() -> None:
    mapping = sources.ColumnMapping(email="user", date="timestamp")
    rows = table(["user", "timestamp"], ["a@example.co.jp", "2026-11-29T15:30:00Z"],
                 ["a@example.co.jp", "2026-11-29T14:00:00Z"])
    assert weeks(parse_rows(rows, sources.GENERIC, TODAY, mapping)) == {
        ("a@example.co.jp", date(2026, 11, 30)): 1, ("a@example.co.jp", WEEK): 1}


def test_a_vendors_export_is_never_read_through_a_mapping() -> None:
    mapping = sources.ColumnMapping(email="PersonId", date="MetricDate")
    assert parse("viva_person_query_cleaned.csv").kind == sources.VIVA
    assert parse_rows(rows_of("viva_person_query_cleaned.csv"), "auto", TODAY, mapping).kind == sources.VIVA


def test_own_format_problems_name_the_column() -> None:
    mapping = sources.ColumnMapping(email="mail", date="day", activity="count")
    assert [(p.code, p.column) for p in problems(table(["mail", "day"], ["a@example.co.jp", "2026-11-24"]),
                                                 sources.GENERIC)] == [("no_mapping", None)]
    with pytest.raises(UsageFileError) as caught:
        parse_rows(table(["mail", "day"], ["a@example.co.jp", "2026-11-24"]), sources.GENERIC, TODAY, mapping)
    assert [(p.code, p.column) for p in caught.value.problems] == [("missing_column", "count")]
    parsed = parse_rows(table(["mail", "day", "count"], ["a@example.co.jp", "yesterday", "1"],
                              ["a@example.co.jp", "2026-11-24", "many"]), sources.GENERIC, TODAY, mapping)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [("invalid_date", 2, "day"),
                                                                   ("invalid_value", 3, "count")]


def test_a_missing_required_date_is_named() -> None:
    header = ["PersonId", "MetricDate", "Total_Copilot_active_days"]
    parsed = parse_rows(table(header, ["a@example.co.jp", "", "1"], ["b@example.co.jp", "null", "1"]), "auto", TODAY)
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [("missing_value", 2, "MetricDate"),
                                                                   ("missing_value", 3, "MetricDate")]
