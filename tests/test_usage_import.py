"""Importing vendor usage exports: matching within one company, all or nothing, twice changes nothing, the CLI."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.orgs.models import Organization
from lms.usage import service, sources
from lms.usage.models import UsageImport, UsageTelemetry
from lms.usage.sources import UsageFileError
from tests.conftest import count

DATA = Path(__file__).parent / "data" / "usage"
WEEK = date(2026, 11, 23)
SAMPLES = ["m365_copilot_user_detail.csv", "m365_copilot_user_detail_api.csv", "viva_person_query_cp932.csv",
           "viva_person_query_cleaned.csv", "chatgpt_user_engagement_weekly.csv",
           "chatgpt_user_engagement_monthly.csv", "claude_enterprise_analytics.xlsx", "gemini_activity.csv"]


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org("例示商事株式会社")
    people = {name: create_user(org, email=f"{name}@example.co.jp") for name in
              ("sato.hanako", "suzuki.ichiro", "tanaka.yuki")}
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.co.jp")
    return {"org": org, "admin": admin, **people}


def stage(org: Organization, name: str, kind: str = "auto", admin: User | None = None) -> UsageImport:
    return service.stage_import(org, (DATA / name).read_bytes(), name, kind, actor=admin)


def telemetry(org: Organization) -> dict[tuple[str, date, str], int]:
    rows = db.session.execute(sa.select(User.email, UsageTelemetry.week_start, UsageTelemetry.source,
                                        UsageTelemetry.active_days).join(User, User.id == UsageTelemetry.user_id)
                              .where(UsageTelemetry.org_id == org.id))
    return {(e, w, s): d for e, w, s, d in rows}


@pytest.mark.parametrize("name", SAMPLES)
def test_each_sample_imports_for_the_company(app: Flask, company: dict[str, Any], name: str) -> None:
    org = company["org"]
    staged = stage(org, name, admin=company["admin"])
    assert staged.summary["problems"] == [] and staged.summary["matched_people"] >= 1
    result = service.apply_import(org, staged, actor=company["admin"])
    db.session.commit()
    assert result.new == staged.summary["matched_weeks"] > 0
    assert staged.status == UsageImport.APPLIED
    assert telemetry(org)[("sato.hanako@example.co.jp", WEEK, staged.source)] >= 1


def test_unknown_and_other_company_addresses_are_listed_never_written(
        app: Flask, company: dict[str, Any], create_org: Any, create_user: Any) -> None:
    other = create_org("他社")
    outsider = create_user(other, email="yamada.taro@other.example")
    staged = stage(company["org"], "m365_copilot_user_detail.csv")
    assert staged.summary["unmatched"] == [{"email": "yamada.taro@other.example", "rows": [5]}]
    service.apply_import(company["org"], staged, actor=None)
    db.session.commit()
    assert count(UsageTelemetry, UsageTelemetry.user_id == outsider.id) == 0
    assert count(UsageTelemetry) == 3  # sato, suzuki (upper-case address), tanaka (inactive week)


def test_the_same_file_twice_changes_nothing(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    service.apply_import(org, stage(org, "viva_person_query_cp932.csv"), actor=None)
    db.session.commit()
    before = telemetry(org)
    again = stage(org, "viva_person_query_cp932.csv")
    assert again.summary["applied_before"] is not None
    assert (again.summary["new"], again.summary["changed"], again.summary["unchanged"]) == (0, 0, 4)
    result = service.apply_import(org, again, actor=None)
    assert result.nothing_new and result.unchanged == 4
    assert telemetry(org) == before


def test_the_cleaned_viva_export_of_the_same_data_changes_nothing(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    service.apply_import(org, stage(org, "viva_person_query_cp932.csv"), actor=None)
    assert service.apply_import(org, stage(org, "viva_person_query_cleaned.csv"), actor=None).nothing_new


def test_a_newer_export_updates_the_week(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    service.apply_import(org, stage(org, "chatgpt_user_engagement_monthly.csv"), actor=None)
    result = service.apply_import(org, stage(org, "chatgpt_user_engagement_weekly.csv"), actor=None)
    assert (result.new, result.changed) == (2, 1)  # sato's week of the 23rd: 1 known day, now 2
    assert telemetry(org)[("sato.hanako@example.co.jp", WEEK, sources.CHATGPT)] == 2


def test_sources_are_kept_apart(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    service.apply_import(org, stage(org, "gemini_activity.csv"), actor=None)
    service.apply_import(org, stage(org, "claude_enterprise_analytics.xlsx"), actor=None)
    found = telemetry(org)
    assert found[("sato.hanako@example.co.jp", WEEK, sources.GEMINI)] == 2
    assert found[("sato.hanako@example.co.jp", WEEK, sources.CLAUDE)] == 3


def test_row_errors_write_nothing(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    data = b"PersonId,MetricDate,Total_Copilot_active_days\r\nsato.hanako@example.co.jp,2026-11-22,2\r\n" \
           b"suzuki.ichiro@example.co.jp,2099-01-04,1\r\n"
    staged = service.stage_import(org, data, "viva.csv", "auto", actor=None)
    assert [(p["code"], p["row"], p["column"]) for p in staged.summary["problems"]] == [
        ("date_outside_period", 3, "MetricDate")]
    with pytest.raises(UsageFileError):
        service.apply_import(org, staged, actor=None)
    db.session.rollback()
    assert count(UsageTelemetry) == 0


def test_file_errors_keep_nothing(app: Flask, company: dict[str, Any]) -> None:
    with pytest.raises(UsageFileError) as caught:
        stage(company["org"], "gemini_activity.csv", sources.VIVA)
    assert caught.value.problems[0].code == "wrong_source"
    with pytest.raises(UsageFileError) as caught:
        stage(company["org"], "m365_copilot_concealed.csv")
    assert caught.value.problems[0].code == "concealed_names"
    assert count(UsageImport) == 0


def test_raw_rows_are_kept_and_read_again(app: Flask, company: dict[str, Any]) -> None:
    staged = stage(company["org"], "claude_enterprise_analytics.xlsx")
    db.session.commit()
    db.session.expire_all()
    assert staged.raw_rows[0] == [2, ["2026-11-23", "sato.hanako@example.co.jp", "2", "14", "0", "1", "3"]]
    reread = service.reread(staged)
    assert reread.kind == sources.CLAUDE and len(reread.weeks) == 4


def test_applying_twice_is_refused(app: Flask, company: dict[str, Any]) -> None:
    staged = stage(company["org"], "gemini_activity.csv")
    service.apply_import(company["org"], staged, actor=None)
    with pytest.raises(service.UsageAlreadyApplied):
        service.apply_import(company["org"], staged, actor=None)


def test_import_is_audited(app: Flask, company: dict[str, Any]) -> None:
    service.apply_import(company["org"], stage(company["org"], "gemini_activity.csv"), actor=company["admin"])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.imported"))
    assert event is not None and event.org_id == company["org"].id


# --- the command line ----------------------------------------------------------------------------


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["usage", "import", *args])


def test_cli_imports_and_reports(app: Flask, company: dict[str, Any]) -> None:
    result = run(app, "--org", str(company["org"].id), "--source", "auto", str(DATA / "m365_copilot_user_detail.csv"))
    assert result.exit_code == 0, result.output + result.stderr
    assert "source: Microsoft 365 Copilot usage (user detail) (m365_copilot)" in result.output
    assert "3 people matched" in result.output and "1 unmatched" in result.output
    assert "unmatched: yamada.taro@other.example (row 5)" in result.output
    assert "imported: 3 new" in result.output
    again = run(app, "--org", str(company["org"].id), "--source", "m365_copilot",
                str(DATA / "m365_copilot_user_detail_api.csv"))
    assert again.exit_code == 0 and "nothing new: 3 week(s) already imported" in again.output


def test_cli_check_writes_nothing(app: Flask, company: dict[str, Any]) -> None:
    result = run(app, "--org", str(company["org"].id), "--check", str(DATA / "gemini_activity.csv"))
    assert result.exit_code == 0 and "checked: 3 new" in result.output
    assert count(UsageTelemetry) == 0 and count(UsageImport) == 0


def test_cli_row_errors_exit_non_zero(app: Flask, company: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "viva.csv"
    path.write_bytes(b"PersonId,MetricDate,Total_Copilot_active_days\r\nsato.hanako@example.co.jp,2026-11-22,9\r\n")
    result = run(app, "--org", str(company["org"].id), str(path))
    assert result.exit_code == 1
    assert "Row 2, column “Total_Copilot_active_days”: 9 days is more than a week has." in result.stderr
    assert "nothing was imported" in result.stderr
    assert count(UsageTelemetry) == 0 and count(UsageImport) == 0


def test_cli_names_the_team_plan_and_the_wrong_vendor(app: Flask, company: dict[str, Any]) -> None:
    team = run(app, "--org", str(company["org"].id), str(DATA / "claude_team_members.csv"))
    assert team.exit_code == 1 and "Team plans have none" in team.stderr
    wrong = run(app, "--org", str(company["org"].id), "--source", "chatgpt", str(DATA / "gemini_activity.csv"))
    assert wrong.exit_code == 1
    assert "You chose ChatGPT Enterprise/Edu user engagement, but this file is Gemini for Workspace activity" in wrong.stderr


def test_cli_unknown_company(app: Flask) -> None:
    result = run(app, "--org", "999999", str(DATA / "gemini_activity.csv"))
    assert result.exit_code != 0 and "no company with id 999999" in result.stderr


# --- a company's own format ----------------------------------------------------------------------

OWN = "社員番号,メールアドレス,利用日,回数\r\n1,sato.hanako@example.co.jp,2026/11/24,3\r\n" \
      "1,sato.hanako@example.co.jp,2026/11/26,1\r\n2,suzuki.ichiro@example.co.jp,2026/11/24,0\r\n"


def test_own_format_is_mapped_once_then_read_the_same_way(app: Flask, company: dict[str, Any]) -> None:
    org = company["org"]
    with pytest.raises(UsageFileError) as caught:
        service.stage_import(org, OWN.encode("cp932"), "own.csv", "auto", actor=None)
    assert service.wants_columns(caught.value, "auto")
    staged = service.stage_unmapped(org, OWN.encode("cp932"), "own.csv", actor=company["admin"],
                                    hint=caught.value.problems[0])
    assert staged.status == UsageImport.UNMAPPED and staged.headers == ["社員番号", "メールアドレス", "利用日", "回数"]
    with pytest.raises(UsageFileError):
        service.apply_import(org, staged, actor=None)  # not before its columns are chosen
    service.map_columns(org, staged, sources.ColumnMapping("メールアドレス", "利用日", "回数"), actor=company["admin"])
    assert (staged.source, staged.summary["matched_people"], staged.summary["new"]) == (sources.GENERIC, 2, 2)
    service.apply_import(org, staged, actor=None)
    db.session.commit()
    assert telemetry(org)[("sato.hanako@example.co.jp", WEEK, sources.GENERIC)] == 2
    # Next time the saved choice reads a file with the same columns, in the browser and the shell alike.
    again = service.stage_import(org, OWN.encode("utf-8"), "own2.csv", "auto", actor=None)
    assert again.source == sources.GENERIC and again.mapping == {"email": "メールアドレス", "date": "利用日",
                                                                  "activity": "回数"}
    assert service.apply_import(org, again, actor=None).nothing_new


def test_another_companys_saved_choice_is_not_used(app: Flask, company: dict[str, Any], create_org: Any) -> None:
    other = create_org("他社")
    staged = service.stage_unmapped(other, OWN.encode(), "own.csv", actor=None)
    service.map_columns(other, staged, sources.ColumnMapping("メールアドレス", "利用日", "回数"), actor=None)
    db.session.commit()
    with pytest.raises(UsageFileError):
        service.stage_import(company["org"], OWN.encode(), "own.csv", "auto", actor=None)


def test_cli_generic_needs_a_saved_choice(app: Flask, company: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_bytes(OWN.encode())
    result = run(app, "--org", str(company["org"].id), "--source", "generic", str(path))
    assert result.exit_code == 1 and "No saved column choice fits this file" in result.stderr
    staged = service.stage_unmapped(company["org"], OWN.encode(), "own.csv", actor=None)
    service.map_columns(company["org"], staged, sources.ColumnMapping("メールアドレス", "利用日"), actor=None)
    db.session.commit()
    result = run(app, "--org", str(company["org"].id), "--source", "generic", str(path))
    assert result.exit_code == 0, result.stderr
    assert "source: Your own format (saved column choice) (generic)" in result.output
    assert "imported: 2 new" in result.output


def test_pseudonymised_people_outside_microsoft_365_get_no_admin_center_advice(
        app: Flask, company: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "viva.csv"
    path.write_bytes(b"PersonId,MetricDate,Total_Copilot_active_days\r\n9F86D081884C7D659A2FEAA0C55AD015,2026-11-22,2\r\n")
    result = run(app, "--org", str(company["org"].id), str(path))
    assert result.exit_code == 1
    assert "pseudonymised" in result.stderr and "admin center" not in result.stderr
    concealed = run(app, "--org", str(company["org"].id), str(DATA / "m365_copilot_concealed.csv"))
    assert "Microsoft 365 admin center" in concealed.stderr
