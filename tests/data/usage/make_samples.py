"""Writes the sample vendor exports in this folder (run it again after changing it; the files are committed).

Headers are the vendors' documented ones (shared/spec/usage-sources.md); people
are fictional employees of the test company 例示商事 (example.co.jp).
Run: python tests/data/usage/make_samples.py
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

M365_HEADER = ["Report Refresh Date", "Report Period", "User Principal Name", "Display Name", "Last Activity Date",
               "Microsoft Teams Copilot Last Activity Date", "Word Copilot Last Activity Date",
               "Excel Copilot Last Activity Date", "PowerPoint Copilot Last Activity Date",
               "Outlook Copilot Last Activity Date", "OneNote Copilot Last Activity Date",
               "Loop Copilot Last Activity Date", "Copilot Chat Last Activity Date"]
M365_API = ["reportRefreshDate", "reportPeriod", "userPrincipalName", "displayName", "lastActivityDate",
            "microsoftTeamsCopilotLastActivityDate", "wordCopilotLastActivityDate", "excelCopilotLastActivityDate",
            "powerPointCopilotLastActivityDate", "outlookCopilotLastActivityDate", "oneNoteCopilotLastActivityDate",
            "loopCopilotLastActivityDate", "copilotChatLastActivityDate"]
M365_ROWS = [
    # sato: Word on Tuesday, Teams on Thursday, chat on Thursday: 2 known days in the week of 11-23
    ["2026-11-29", "7", "sato.hanako@example.co.jp", "佐藤 花子", "2026-11-26", "2026-11-26", "2026-11-24",
     "", "", "", "", "", "2026-11-26"],
    # suzuki: upper case address, one day
    ["2026-11-29", "7", "Suzuki.Ichiro@Example.co.jp", "鈴木 一郎", "2026-11-27", "", "", "2026-11-27", "", "", "", "", ""],
    # tanaka: licensed, last active long ago: inactive this week
    ["2026-11-29", "7", "tanaka.yuki@example.co.jp", "田中 由紀", "2026-10-02", "", "", "", "", "2026-10-02", "", "", ""],
    # not an employee of the company
    ["2026-11-29", "7", "yamada.taro@other.example", "山田 太郎", "2026-11-25", "", "", "", "", "", "", "", "2026-11-25"],
]


def write_csv(name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8-sig") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def m365() -> None:
    write_csv("m365_copilot_user_detail.csv", M365_HEADER, M365_ROWS)
    write_csv("m365_copilot_user_detail_api.csv", M365_API, M365_ROWS, encoding="utf-8")
    concealed = [[*row[:2], "3C6A8D9F1B2E4F5A6B7C8D9E0F1A2B3C"[: 30 - i] + "A" * i, "E1F2A3B4C5D6", *row[4:]]
                 for i, row in enumerate(M365_ROWS)]
    write_csv("m365_copilot_concealed.csv", M365_HEADER, concealed)


VIVA_RAW = ["PersonId", "MetricDate", "Total Copilot active days", "Total Copilot enabled days",
            "Days of active Copilot usage in Word", "Days of active Copilot usage in Excel",
            "Days of active Copilot usage in Outlook", "Days of active Copilot usage in Powerpoint",
            "Days of active Copilot usage in Teams", "Days of active Copilot chat (work) usage",
            "Copilot actions taken in Word", "Organization", "Level"]
VIVA_CLEAN = ["PersonId", "MetricDate", "Total_Copilot_active_days", "Total_Copilot_enabled_days",
              "Days_of_active_Copilot_usage_in_Word", "Days_of_active_Copilot_usage_in_Excel",
              "Days_of_active_Copilot_usage_in_Outlook", "Days_of_active_Copilot_usage_in_Powerpoint",
              "Days_of_active_Copilot_usage_in_Teams", "Days_of_active_Copilot_chat__work__usage",
              "Copilot_actions_taken_in_Word", "Organization", "Level"]
# Viva weeks start on Sunday: 2026-11-22 is counted in the Japan week starting Monday 2026-11-23.
VIVA_ROWS = [
    ["sato.hanako@example.co.jp", "2026-11-15", "3", "5", "2", "0", "1", "0", "1", "2", "7", "営業部", "一般"],
    ["sato.hanako@example.co.jp", "2026-11-22", "4", "5", "3", "1", "0", "0", "2", "3", "11", "営業部", "一般"],
    ["suzuki.ichiro@example.co.jp", "2026-11-22", "1", "5", "0", "1", "0", "0", "0", "0", "0", "経理部", "課長"],
    ["tanaka.yuki@example.co.jp", "2026-11-22", "0", "5", "0", "0", "0", "0", "0", "0", "0", "総務部", "一般"],
]


def viva() -> None:
    write_csv("viva_person_query_cp932.csv", VIVA_RAW, VIVA_ROWS, encoding="cp932")
    write_csv("viva_person_query_cleaned.csv", VIVA_CLEAN, VIVA_ROWS)


CHATGPT_HEADER = ["cadence", "period_start", "period_end", "account_id", "public_id", "name", "email", "role",
                  "user_role", "department", "groups", "user_status", "created_or_invited_date", "is_active",
                  "first_day_active_in_period", "last_day_active_in_period", "messages", "messages_rank",
                  "model_to_messages", "gpt_messages", "gpts_messaged", "tool_messages", "tools_messaged",
                  "project_messages", "projects_messaged", "projects_created", "last_day_active"]


def chatgpt() -> None:
    weekly = [
        ["weekly", "2026-11-23", "2026-11-29", "acct-1", "user-a1", "佐藤 花子", "sato.hanako@example.co.jp", "member",
         "standard-user", '["営業部", "東京支店"]', "[]", "enabled", "2026-04-01", "true", "2026-11-24", "2026-11-27",
         "42", "3", "{'gpt-4o': 30, 'o3': 12}", "5", "1", "2", "1", "0", "0", "0", "2026-11-27"],
        ["weekly", "2026-11-23", "2026-11-29", "acct-1", "user-a2", "鈴木 一郎", "SUZUKI.ICHIRO@EXAMPLE.CO.JP", "member",
         "standard-user", '["経理部"]', "[]", "enabled", "2026-04-01", "true", "2026-11-25", "2026-11-25",
         "3", "20", '{"gpt-4o": 3}', "0", "0", "0", "0", "0", "0", "0", "2026-11-25"],
        ["weekly", "2026-11-23", "2026-11-29", "acct-1", "user-a3", "田中 由紀", "tanaka.yuki@example.co.jp", "member",
         "standard-user", "", "[]", "enabled", "2026-04-01", "false", "", "", "0", "", "{}", "0", "0", "0", "0", "0",
         "0", "0", "2026-09-30"],
    ]
    write_csv("chatgpt_user_engagement_weekly.csv", CHATGPT_HEADER, weekly)
    monthly = [
        ["monthly", "2026-11-01", "2026-11-30", "acct-1", "user-a1", "佐藤 花子", "sato.hanako@example.co.jp", "member",
         "standard-user", '["営業部"]', "[]", "enabled", "2026-04-01", "true", "2026-11-02", "2026-11-27", "180", "1",
         "{'gpt-4o': 150, 'o3': 30}", "0", "0", "0", "0", "0", "0", "0", "2026-11-27"],
    ]
    write_csv("chatgpt_user_engagement_monthly.csv", CHATGPT_HEADER, monthly)


CLAUDE_HEADER = ["date", "user.email_address", "chat_metrics.distinct_conversation_count", "chat_metrics.message_count",
                 "chat_metrics.distinct_projects_created_count", "chat_metrics.distinct_artifacts_created_count",
                 "web_search_count"]
CLAUDE_ROWS = [
    ["2026-11-23", "sato.hanako@example.co.jp", 2, 14, 0, 1, 3],
    ["2026-11-24", "sato.hanako@example.co.jp", 1, 6, 0, 0, 0],
    ["2026-11-25", "sato.hanako@example.co.jp", 0, 0, 0, 0, 0],
    ["2026-11-26", "sato.hanako@example.co.jp", 3, 21, 1, 2, 1],
    ["2026-11-30", "sato.hanako@example.co.jp", 1, 4, 0, 0, 0],
    ["2026-11-24", "suzuki.ichiro@example.co.jp", 0, 0, 0, 0, 0],
    ["2026-11-24", "kimura.ken@other.example", 1, 2, 0, 0, 0],
]


def claude() -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "analytics"
    sheet.append(CLAUDE_HEADER)
    for row in CLAUDE_ROWS:
        sheet.append(row)
    workbook.save(HERE / "claude_enterprise_analytics.xlsx")
    write_csv("claude_team_members.csv", ["Name", "Email", "Role", "Seat Tier", "Status"],
              [["佐藤 花子", "sato.hanako@example.co.jp", "user", "standard", "active"]])


GEMINI_HEADER = ["id.time", "id.applicationName", "actor.email", "events.name", "app_name", "action"]
GEMINI_ROWS = [
    # Sunday 23:30 JST: week of 11-23
    ["2026-11-29T14:30:00.000Z", "gemini_in_workspace_apps", "sato.hanako@example.co.jp", "feature_utilization", "gmail", "summarize"],
    # Monday 00:30 JST: the next week (30 November), though still 29 November in UTC
    ["2026-11-29T15:30:00.000Z", "gemini_in_workspace_apps", "sato.hanako@example.co.jp", "feature_utilization", "docs", "generate_text"],
    ["2026-11-24T01:00:00.000Z", "gemini_in_workspace_apps", "sato.hanako@example.co.jp", "feature_utilization", "docs", "generate_text"],
    ["2026-11-24T03:00:00.000Z", "gemini_in_workspace_apps", "sato.hanako@example.co.jp", "feature_utilization", "gmail", "summarize"],
    ["2026-11-25T02:00:00.000Z", "gemini_in_workspace_apps", "suzuki.ichiro@example.co.jp", "feature_utilization",
     "sheets", "conversation"],
]


def gemini() -> None:
    write_csv("gemini_activity.csv", GEMINI_HEADER, GEMINI_ROWS, encoding="utf-8")


if __name__ == "__main__":
    m365()
    viva()
    chatgpt()
    claude()
    gemini()
