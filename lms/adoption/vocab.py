"""The answer lists of the weekly check-in: codes stored, labels translated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Led by the survey's top three tasks wanted for AI (Q9), then everyday office work.
TASKS = {
    "quotes": _l("Quotes and contracts"),
    "sales": _l("Sales materials"),
    "documents": _l("Internal documents and minutes"),
    "email": _l("Email"),
    "research": _l("Looking things up"),
    "ideas": _l("Planning and ideas"),
    "data": _l("Data totals and analysis"),
    "translation": _l("Translation"),
    "other": _l("Other"),
}

# The survey's reasons for not adopting (Q6), as the employee meets them.
BARRIERS = {
    "unclear_use": _l("I don't know what to use it for"),
    "unclear_benefit": _l("I can't see the benefit"),
    "security": _l("Worried about security"),
    "skills": _l("Not enough skill"),
    "no_help": _l("No one to ask"),
    "other": _l("Other"),
}

MINUTES_LABELS = (
    _l("None"),
    _l("Under 15 minutes"),
    _l("15–30 minutes"),
    _l("30–60 minutes"),
    _l("1–2 hours"),
    _l("Over 2 hours"),
)

# Company-defined tasks are stored with this prefix so they never collide with the codes above.
CUSTOM_TASK = "custom:"


def task_label(code: str) -> str:
    if code.startswith(CUSTOM_TASK):
        return code[len(CUSTOM_TASK):]
    return str(TASKS.get(code, code))


def barrier_label(code: str) -> str:
    return str(BARRIERS.get(code, code))


def stage_label(stage: int) -> str:
    # The survey's own wording (Q2), kept in Japanese in both languages' catalogs.
    labels = (
        _l("Not doing anything yet"),
        _l("Employees use it personally"),
        _l("Introduced in some departments"),
        _l("Introduced company-wide"),
    )
    return str(labels[stage])


REQUIREMENTS = {
    "someone_active": _l("Someone in the company uses AI for work at least one day a week."),
    "department_habitual": _l("In at least one department, the habitual share reaches the threshold."),
    "approved_tool": _l("The company approves an AI tool for work."),
    "most_departments": _l("More than half of the departments reach the habitual threshold."),
    "company_habitual": _l("The habitual share of the whole company reaches the threshold."),
    "ai_policy": _l("The company has an AI-use policy."),
    "training_for_all": _l("Training is planned or done for every employee."),
}
