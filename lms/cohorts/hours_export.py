"""The training-hours report as words and as an Excel sheet (one sheet per cohort, a header block above the table)."""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import format_date, format_datetime, gettext as _

from lms.cohorts.hours import LINE_MINUTES, HoursReport, Planned, TraineeHours, hours_and_minutes, short_by
from lms.csvexport import Sheet


def duration(minutes: int) -> str:
    """"10時間30分" in Japanese."""
    hours, rest = hours_and_minutes(minutes)
    return _("%(h)d h %(m)d min", h=hours, m=rest)


def verdict(total_minutes: int) -> str:
    """Against the 10-hour line: met, or how much is missing."""
    missing = short_by(total_minutes)
    return _("10 hours met") if missing == 0 else _("Short by %(time)s", time=duration(missing))


def planned_text(planned: Planned) -> str:
    return _("%(total)s (lessons %(lessons)s, exercises %(exercises)s, %(n)d sessions %(sessions)s)",
             total=duration(planned.total), lessons=duration(planned.lesson_minutes),
             exercises=duration(planned.exercise_minutes), n=planned.sessions,
             sessions=duration(planned.session_minutes))


def what_it_is() -> str:
    return _("A record of each trainee's training time, kept as evidence for an application for the 人材開発支援助成金 "
             "(事業展開等リスキリング支援コース).")


def what_it_is_not() -> str:
    return _("It is not the application itself. Confirm the current requirements (including the 10 hours of training) "
             "with the 労働局 or on the 厚生労働省 pages, and that the training plan was filed before the training started.")


def how_counted() -> str:
    return _("Counted within the cohort's period: lessons = the stated minutes of the required lessons completed; "
             "exercises = the stated minutes of each exercise practised at least once (once per exercise); "
             "sessions = the sessions the trainer recorded the person at, with their actual length.")


def period_text(report: HoursReport) -> str:
    start, end = report.period
    return f"{format_date(start, 'long')} – {format_date(end, 'long')}"


def preamble(report: HoursReport) -> list[tuple[str, Any]]:
    """The header block: what the sheet is, whose, which period and course, planned hours, when made."""
    return [
        (_("Training hours record"), what_it_is()),
        (_("Please note"), what_it_is_not()),
        (_("Company"), report.org.name),
        (_("Cohort"), report.cohort.name),
        (_("Period"), period_text(report)),
        (_("Courses"), "、".join(c.title for c in report.courses)),
        (_("Planned hours"), planned_text(report.planned)),
        (_("Planned hours against 10 hours"), verdict(report.planned.total)),
        (_("How time is counted"), how_counted()),
        (_("Generated at"), format_datetime(report.generated_at, "medium")),
    ]


def _row(report: HoursReport, row: TraineeHours) -> list[Any]:
    return [
        row.user.display_name, row.department, row.lessons_done, row.lesson_minutes, row.exercises_done,
        row.exercise_minutes, *(row.attended.get(day) for day in report.session_dates), len(row.attended),
        row.session_minutes, row.total, duration(row.total), verdict(row.total),
    ]


def sheet(report: HoursReport) -> Sheet:
    """One cohort's sheet: a row per trainee, a column per session date (minutes attended, empty when absent)."""
    header = [
        _("Name"), _("Department"), _("Lessons completed"), _("Lesson minutes"), _("Exercises practised"),
        _("Exercise minutes"),
        *(_("Session %(date)s (min)", date=format_date(day, "short")) for day in report.session_dates),
        _("Sessions attended"), _("Session minutes"), _("Total minutes"), _("Total"),
        _("Against %(hours)d hours", hours=LINE_MINUTES // 60),
    ]
    return Sheet(
        title=report.cohort.name, header=header, rows=[_row(report, r) for r in report.rows],
        print_title=f"{report.org.name} {report.cohort.name} {period_text(report)}", preamble=preamble(report),
    )


def sheets(reports: Iterable[HoursReport]) -> list[Sheet]:
    return [sheet(r) for r in reports]
