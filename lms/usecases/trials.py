"""The workshop flow over `UsecaseTrial`: pick a case, try it, report one to two weeks later, share the prompt.

1. **pick**: the person states how they do the task now and the minutes per
   week it takes; the report is asked for `REPORT_AFTER_DAYS` later (a Japan
   date). Picking the same case again reopens the one row.
2. **try**: opening the case in the practice player (its linked exercise or
   the template page) marks it `trying`.
3. **report**: adopted / adapted (with the minutes per week now) or not for us
   (with why). Once tried; "not for us" may be said at any time.
4. **share**: the adapted prompt, anonymously or with the name (named is also
   the opt-in to the company's AI-champion list). A prompt the personal-data
   guard finds anything in is never shared.

Every read of trials names the company through `lms.tenancy`. Functions flush;
the caller commits.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.audit.service import record
from lms.cohorts.models import Cohort, CohortMember
from lms.core import clock, pii
from lms.core.clock import utcnow
from lms.database import insert_ignoring_conflict
from lms.extensions import db
from lms.llm.models import LLMRequest
from lms.orgs.models import Organization
from lms.tenancy import in_org, owned_by
from lms.usecases.models import Usecase, UsecaseTrial

REPORT_AFTER_DAYS = 7
CURRENT_WAY_MAX = 1000
REASON_MAX = 2000
PROMPT_MAX = 8000  # as the practice player's prompt
MINUTES_MAX = 7 * 24 * 60  # per week
LLM_PURPOSE = "usecase"  # the AI model's requests of a trial: purpose "usecase:<trial id>", ref_id 1, 2, …


class TrialInvalid(Exception):
    """What is wrong, by form field (an error code); nothing was saved. `findings`: what the guard found."""

    def __init__(self, errors: dict[str, str], findings: Sequence[pii.Finding] = ()) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.findings = list(findings)


# --- reads -------------------------------------------------------------------------------------------


def trial_of(user: User, usecase: Usecase) -> UsecaseTrial | None:
    """The person's trial of the case, or None before they pick it."""
    return db.session.scalar(
        in_org(sa.select(UsecaseTrial), user.org_id)
        .where(UsecaseTrial.user_id == user.id, UsecaseTrial.usecase_id == usecase.id)
    )


def trial_by_shared_id(org: Organization | int, usecase: Usecase, trial_id: int) -> UsecaseTrial | None:
    """A colleague's shared trial of this case in this company, or None."""
    return db.session.scalar(
        in_org(sa.select(UsecaseTrial), org).where(
            UsecaseTrial.id == trial_id, UsecaseTrial.usecase_id == usecase.id,
            UsecaseTrial.share != UsecaseTrial.PRIVATE, UsecaseTrial.adapted_prompt != "",
        )
    )


def my_trials(user: User) -> list[UsecaseTrial]:
    """The person's trials: open ones first (the report due soonest first), then the reported ones."""
    stmt = (
        in_org(sa.select(UsecaseTrial), user.org_id).where(UsecaseTrial.user_id == user.id)
        .options(joinedload(UsecaseTrial.usecase))
        .order_by(sa.case((UsecaseTrial.status == UsecaseTrial.REPORTED, 1), else_=0),
                  UsecaseTrial.report_due_on, UsecaseTrial.id)
    )
    return list(db.session.scalars(stmt))


def open_trials(user: User) -> list[UsecaseTrial]:
    """The person's trials not reported yet, the report due soonest first (one statement, for the home page)."""
    stmt = (
        in_org(sa.select(UsecaseTrial), user.org_id)
        .where(UsecaseTrial.user_id == user.id, UsecaseTrial.status != UsecaseTrial.REPORTED)
        .options(joinedload(UsecaseTrial.usecase)).order_by(UsecaseTrial.report_due_on, UsecaseTrial.id)
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class SharedPrompt:
    trial_id: int
    prompt: str
    outcome: str | None
    name: str | None  # None: shared anonymously
    mine: bool


def shared_prompts(org: Organization | int, usecase: Usecase, viewer: User) -> list[SharedPrompt]:
    """The adapted prompts colleagues of `org` shared for this case (a name only when they chose to be named)."""
    rows = db.session.execute(
        in_org(sa.select(UsecaseTrial, User), org, UsecaseTrial)
        .join(User, User.id == UsecaseTrial.user_id)
        .where(UsecaseTrial.usecase_id == usecase.id, UsecaseTrial.share != UsecaseTrial.PRIVATE,
               UsecaseTrial.adapted_prompt != "", owned_by(User, org))
        .order_by(UsecaseTrial.shared_at.desc(), UsecaseTrial.id.desc())
    ).all()
    return [
        SharedPrompt(t.id, t.adapted_prompt, t.outcome, u.display_name if t.share == UsecaseTrial.NAMED else None,
                     t.user_id == viewer.id)
        for t, u in rows
    ]


@dataclass(frozen=True)
class BoardRow:
    trial: UsecaseTrial
    user: User


@dataclass(frozen=True)
class BoardCase:
    usecase: Usecase
    rows: list[BoardRow]

    @property
    def reported(self) -> int:
        return sum(1 for r in self.rows if r.trial.status == UsecaseTrial.REPORTED)


def cohort_board(cohort: Cohort) -> list[BoardCase]:
    """The cohort's members' trials grouped by case (the most picked case first), for the trainer's workshop page."""
    members = sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    rows = db.session.execute(
        in_org(sa.select(UsecaseTrial, User), cohort.org_id, UsecaseTrial)
        .join(User, User.id == UsecaseTrial.user_id)
        .where(UsecaseTrial.user_id.in_(members), owned_by(User, cohort.org_id))
        .options(joinedload(UsecaseTrial.usecase))
        .order_by(UsecaseTrial.id)
    ).all()
    by_case: dict[int, BoardCase] = {}
    for trial, user in rows:
        by_case.setdefault(trial.usecase_id, BoardCase(trial.usecase, [])).rows.append(BoardRow(trial, user))
    return sorted(by_case.values(), key=lambda c: (-len(c.rows), c.usecase.title))


def _current_cohort_id(user: User, day: date) -> int | None:
    """The person's most recently started cohort (the one whose trainer runs the workshop), if any."""
    return db.session.scalar(
        in_org(sa.select(Cohort.id), user.org_id).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id, Cohort.start_date <= day)
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(1)
    )


# --- writes ------------------------------------------------------------------------------------------


def _minutes(value: int | None, field: str, errors: dict[str, str]) -> int | None:
    if value is None:
        errors[field] = "missing"
    elif not 0 <= value <= MINUTES_MAX:
        errors[field] = "range"
    return value


def pick(user: User, usecase: Usecase, *, current_way: str, minutes_before: int | None,
         cohort_id: int | None = None, lesson_id: int | None = None, shared_from: UsecaseTrial | None = None,
         now: datetime | None = None) -> UsecaseTrial:
    """Choose the case (again): the current way and minutes per week now; the report is due a week later.

    :raise TrialInvalid: the minutes are missing or out of range, the text too long, or the shared prompt
        is not a colleague's shared prompt of this case.
    """
    errors: dict[str, str] = {}
    _minutes(minutes_before, "minutes_before", errors)
    current_way = current_way.strip()
    if len(current_way) > CURRENT_WAY_MAX:
        errors["current_way"] = "too_long"
    if shared_from is not None and (
        shared_from.org_id != user.org_id or shared_from.usecase_id != usecase.id
        or shared_from.share == UsecaseTrial.PRIVATE or shared_from.user_id == user.id
    ):
        errors["shared_from"] = "unknown"
    if errors:
        raise TrialInvalid(errors)
    assert minutes_before is not None
    now = now or utcnow()
    day = clock.today(now)
    fields = {
        "status": UsecaseTrial.PICKED, "current_way": current_way, "minutes_before": minutes_before,
        "picked_at": now, "tried_at": None, "report_due_on": day + timedelta(days=REPORT_AFTER_DAYS),
        "reminded_at": None, "outcome": None, "outcome_reason": "", "minutes_after": None, "reported_at": None,
        "department_id": user.department_id,
        "cohort_id": cohort_id if cohort_id is not None else _current_cohort_id(user, day),
        "lesson_id": lesson_id, "shared_from_id": shared_from.id if shared_from is not None else None,
    }
    trial = trial_of(user, usecase)
    if trial is None:
        insert_ignoring_conflict(
            UsecaseTrial,
            {**fields, "org_id": user.org_id, "user_id": user.id, "usecase_id": usecase.id, "adapted_prompt": "",
             "share": UsecaseTrial.PRIVATE, "created_at": now},
            ["user_id", "usecase_id"],
        )
        trial = trial_of(user, usecase)
        assert trial is not None
        return trial
    for name, value in fields.items():  # picked again: the same row, a new run (a shared prompt stays shared)
        if name in ("shared_from_id", "lesson_id") and value is None:
            continue  # picked again from the catalog: where it was first picked from stays
        setattr(trial, name, value)
    db.session.flush()
    return trial


def start_trying(trial: UsecaseTrial, now: datetime | None = None) -> bool:
    """Opening the case in the practice player; True when this moved the trial from picked to trying."""
    if trial.status != UsecaseTrial.PICKED:
        return False
    trial.status = UsecaseTrial.TRYING
    trial.tried_at = now or utcnow()
    db.session.flush()
    return True


def check_shareable(text: str) -> list[pii.Finding]:
    """What the personal-data guard finds in a prompt someone wants to share (empty: it may be shared)."""
    return pii.scan(text)


def _share_errors(share: str, prompt: str, errors: dict[str, str]) -> list[pii.Finding]:
    if share not in UsecaseTrial.SHARES:
        errors["share"] = "unknown"
        return []
    if share == UsecaseTrial.PRIVATE:
        return []
    if not prompt.strip():
        errors["adapted_prompt"] = "nothing_to_share"
        return []
    findings = check_shareable(prompt)
    if findings:
        errors["adapted_prompt"] = "personal_data"
    return findings


def report(trial: UsecaseTrial, *, outcome: str, reason: str, minutes_after: int | None, adapted_prompt: str,
           share: str, actor: User, now: datetime | None = None) -> None:
    """The outcome after trying. "Not for us" needs why; adopted and adapted need the minutes per week now.

    :raise TrialInvalid: as above, a too long text, a report before trying (other than "not for us"), or a
        prompt to share the personal-data guard finds something in (`findings` says what and where).
    """
    errors: dict[str, str] = {}
    reason = reason.strip()
    adapted_prompt = adapted_prompt.strip()
    if outcome not in UsecaseTrial.OUTCOMES:
        errors["outcome"] = "unknown"
    elif outcome == UsecaseTrial.NOT_FOR_US:
        if not reason:
            errors["reason"] = "missing"
        if minutes_after is not None:  # optional: the minutes now, when the person knows them
            _minutes(minutes_after, "minutes_after", errors)
    else:
        _minutes(minutes_after, "minutes_after", errors)
        if trial.status == UsecaseTrial.PICKED:
            errors["outcome"] = "not_tried"
    if len(reason) > REASON_MAX:
        errors["reason"] = "too_long"
    if len(adapted_prompt) > PROMPT_MAX:
        errors["adapted_prompt"] = "too_long"
    findings = [] if "adapted_prompt" in errors else _share_errors(share, adapted_prompt, errors)
    if errors:
        raise TrialInvalid(errors, findings)
    moment = now or utcnow()
    trial.outcome = outcome
    trial.outcome_reason = reason
    trial.minutes_after = minutes_after
    trial.adapted_prompt = adapted_prompt
    trial.status = UsecaseTrial.REPORTED
    trial.reported_at = moment
    _set_share(trial, share, actor, moment)
    db.session.flush()


def _set_share(trial: UsecaseTrial, share: str, actor: User, moment: datetime) -> None:
    if share == trial.share:
        return
    trial.share = share
    trial.shared_at = moment if share != UsecaseTrial.PRIVATE else None
    # Named sharing is consent to appear on the company's AI-champion list: keep who gave or took it back.
    record("usecase.share", actor=actor, org_id=trial.org_id, subject=trial.usecase.slug, share=share)


def set_share(trial: UsecaseTrial, share: str, *, actor: User, now: datetime | None = None) -> None:
    """Share the reported adapted prompt (anonymous or named) or take it back (private).

    :raise TrialInvalid: nothing to share, an unknown choice, or personal data in the prompt.
    """
    errors: dict[str, str] = {}
    findings = _share_errors(share, trial.adapted_prompt, errors)
    if errors:
        raise TrialInvalid(errors, findings)
    _set_share(trial, share, actor, now or utcnow())
    db.session.flush()


def unshare(trial: UsecaseTrial, *, actor: User, now: datetime | None = None) -> None:
    set_share(trial, UsecaseTrial.PRIVATE, actor=actor, now=now)


# --- the template page's AI model requests --------------------------------------------------------------


def llm_purpose(trial: UsecaseTrial) -> str:
    return f"{LLM_PURPOSE}:{trial.id}"


def latest_request(trial: UsecaseTrial) -> LLMRequest | None:
    """The trial's latest question to the company's AI model (its prompt is `messages[-1]`), if any."""
    return db.session.scalar(
        in_org(sa.select(LLMRequest), trial.org_id)
        .where(LLMRequest.purpose == llm_purpose(trial)).order_by(LLMRequest.ref_id.desc()).limit(1)
    )


def ask_model(org: Organization, trial: UsecaseTrial, prompt: str) -> int:
    """Send the person's own prompt to the company's AI model (a new request each time); returns its id.

    :raise TrialInvalid: empty, too long, or the guard finds personal data (nothing is stored or sent).
    `lms.llm.service` raises LLMUnavailable when the model is off for the company.
    """
    from lms.llm import service as llm

    text = prompt.strip()
    if not text:
        raise TrialInvalid({"prompt": "empty"})
    if len(prompt) > PROMPT_MAX:
        raise TrialInvalid({"prompt": "too_long"})
    findings = pii.scan(prompt)
    if findings:
        raise TrialInvalid({"prompt": "personal_data"}, findings)
    last = db.session.scalar(
        in_org(sa.select(sa.func.max(LLMRequest.ref_id)), org, LLMRequest).where(LLMRequest.purpose == llm_purpose(trial))
    ) or 0
    request_id = llm.request_completion(org, llm_purpose(trial), last + 1, [{"role": "user", "content": prompt}])
    start_trying(trial)
    return request_id


# --- the reminder job ----------------------------------------------------------------------------------


def reminders_due(org: Organization, day: date) -> list[UsecaseTrial]:
    """Open trials of `org` whose report is due on or before `day` and who were not reminded yet."""
    return list(db.session.scalars(
        in_org(sa.select(UsecaseTrial), org)
        .where(UsecaseTrial.status != UsecaseTrial.REPORTED, UsecaseTrial.report_due_on <= day,
               UsecaseTrial.reminded_at.is_(None))
        .options(joinedload(UsecaseTrial.usecase)).order_by(UsecaseTrial.id)
    ))
