"""Ask the AI model, inside a request's transaction; read what it answered. The worker does the asking.

The exercise player calls two functions:

* `request_completion(org, purpose, ref_id, messages) -> request id` checks
  that the model is on for the company, runs the personal-data guard over
  every user message (refusing with `PersonalDataFound`), counts the request
  against the company's monthly budget (atomically: two processes never take
  the last request twice) and writes an outbox row on channel "llm". It sends
  nothing: `lms.llm.delivery` does, after the commit. Asking again for the same
  (purpose, ref_id) returns the same request unless it failed or was refused.
* `completion_state(org, request_id)` says queued / streaming / done / failed /
  budget_exhausted, with the text so far and a reason a learner can read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.core import clock
from lms.accounts.models import User
from lms.audit.service import record
from lms.core import pii
from lms.database import insert_ignoring_conflict
from lms.extensions import db
from lms.llm.client import ROLES
from lms.llm.models import LLMRequest, LLMUsage
from lms.mail.models import EmailMessage
from lms.orgs.models import Organization
from lms.tenancy import owned_by

CHANNEL = "llm"
MAX_MESSAGES = 20
MAX_CONTENT = 100_000  # characters in one message; the exercise's own limit is stricter

QUEUED, STREAMING, DONE, FAILED, BUDGET_EXHAUSTED = "queued", "streaming", "done", "failed", "budget_exhausted"
PENDING = (QUEUED, STREAMING)

# What a learner reads for each failure code the worker records (lms.llm.client.LLMError.code and "off").
REASONS = {
    "timeout": _l("The AI model did not answer in time."),
    "rate_limited": _l("The AI model is busy with too many requests."),
    "server_error": _l("The AI model's server had an error."),
    "unreachable": _l("The AI model's server could not be reached."),
    "bad_response": _l("The AI model's server sent something that is not an answer."),
    "rejected": _l("The AI model's server refused the request. Please tell your company's administrator."),
    "off": _l("The AI model has been turned off."),
    "error": _l("The AI model could not answer."),
}


class LLMUnavailable(Exception):
    """No model is configured for this installation, or the company has not turned it on."""


class InvalidMessages(ValueError):
    """The messages are not a chat: roles system/user/assistant with non-empty text."""


class PersonalDataFound(ValueError):
    """A user message contains personal data; nothing was stored or sent."""

    def __init__(self, findings: Sequence[tuple[int, pii.Finding]]) -> None:
        super().__init__(f"{len(findings)} personal-data finding(s) in the prompt")
        self.findings = list(findings)  # (message index, finding)


@dataclass(frozen=True)
class CompletionState:
    status: str  # queued | streaming | done | failed | budget_exhausted
    text: str  # the answer so far (streaming) or whole (done); empty otherwise
    reason: str | None = None  # for the learner: why it failed, was refused, or is being retried
    reason_code: str | None = None  # stable: a key of REASONS, or "budget_exhausted"
    retry_at: datetime | None = None  # queued again after a failed attempt
    model: str | None = None
    finish_reason: str | None = None  # "stop"; "length" when the answer was cut at LMS_LLM_MAX_TOKENS

    @property
    def finished(self) -> bool:
        return self.status not in PENDING


def model_configured() -> bool:
    """True when this installation has an AI model (LMS_LLM_BASE_URL is set)."""
    return bool(current_app.config["LMS_LLM_BASE_URL"])


def is_available(org: Organization) -> bool:
    """True when the company's people may ask the AI model (configured here and turned on by the company)."""
    return model_configured() and org.llm_enabled


def current_month(now: datetime | None = None) -> str:
    """The budget month, "2026-12", in the installation's time zone (Japan)."""
    return (now or clock.utcnow()).astimezone(clock.zone()).strftime("%Y-%m")


def used_this_month(org: Organization) -> int:
    return db.session.scalar(
        sa.select(LLMUsage.requests).where(owned_by(LLMUsage, org), LLMUsage.month == current_month())
    ) or 0


def update_settings(org: Organization, *, enabled: bool, budget: int, actor: User) -> None:
    """The company's switch and monthly request budget, set by its administrators."""
    org.llm_enabled = enabled
    org.llm_monthly_budget = budget
    record("org.llm_settings", actor=actor, org_id=org.id, subject=org.name, enabled=enabled, budget=budget)


def _checked(messages: Any) -> list[dict[str, str]]:
    if not isinstance(messages, (list, tuple)) or not 0 < len(messages) <= MAX_MESSAGES:
        raise InvalidMessages(f"between 1 and {MAX_MESSAGES} messages are needed")
    checked = []
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if role not in ROLES or not isinstance(content, str) or not content.strip() or len(content) > MAX_CONTENT:
            raise InvalidMessages("each message needs a role (system, user, assistant) and text")
        checked.append({"role": role, "content": content})
    if not any(m["role"] == "user" for m in checked):
        raise InvalidMessages("there is no user message")
    return checked


def _guard(messages: list[dict[str, str]]) -> None:
    """The personal-data guard on every user message: only a clean prompt is ever stored for sending."""
    findings = [(i, f) for i, m in enumerate(messages) if m["role"] == "user" for f in pii.scan(m["content"])]
    if findings:
        raise PersonalDataFound(findings)


def _find(org: Organization, purpose: str, ref_id: int) -> LLMRequest | None:
    return db.session.scalar(sa.select(LLMRequest).where(
        owned_by(LLMRequest, org), LLMRequest.purpose == purpose, LLMRequest.ref_id == ref_id
    ))


def _reserve(org: Organization) -> bool:
    """Count one request against this month's budget, or False when it is used up.

    One conditional UPDATE (`requests < budget`): PostgreSQL re-checks the
    condition on the row another transaction just changed once that one
    commits, and SQLite runs writers one at a time, so two processes can
    never both take the last request.
    """
    month = current_month()
    insert_ignoring_conflict(LLMUsage, {"org_id": org.id, "month": month, "requests": 0}, ["org_id", "month"])
    budget = sa.select(Organization.llm_monthly_budget).where(Organization.id == org.id).scalar_subquery()
    return cast(sa.CursorResult[Any], db.session.execute(
        sa.update(LLMUsage).where(owned_by(LLMUsage, org), LLMUsage.month == month, LLMUsage.requests < budget)
        .values(requests=LLMUsage.requests + 1).execution_options(synchronize_session=False)
    )).rowcount == 1


def _queue(org: Organization, request: LLMRequest) -> EmailMessage:
    """The outbox row the worker sends; admins see its state on the sent-messages page (never the prompt)."""
    row = EmailMessage(
        channel=CHANNEL, kind=CHANNEL, org_id=org.id,
        to_address=_("AI model (%(model)s)", model=request.model)[:254],
        subject=_("AI model request: %(purpose)s #%(ref)d", purpose=request.purpose, ref=request.ref_id)[:300],
        body_text=_("%(count)d message(s) for the AI model, request %(id)d. The prompt and the answer are not shown "
                    "here.", count=len(request.messages), id=request.id),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _rearm(request: LLMRequest) -> bool:
    """Take a failed or refused request to send it again; False when another process just did."""
    same = LLMRequest.outbox_id.is_(None) if request.outbox_id is None else LLMRequest.outbox_id == request.outbox_id
    return cast(sa.CursorResult[Any], db.session.execute(
        sa.update(LLMRequest).where(LLMRequest.id == request.id, same).values(updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)
    )).rowcount == 1


def request_completion(org: Organization, purpose: str, ref_id: int, messages: list[dict[str, str]]) -> int:
    """Queue a question to the AI model for (purpose, ref_id); returns the request id (see the module docstring).

    :raise LLMUnavailable: the model is off for this company.
    :raise InvalidMessages: not a chat the model can answer.
    :raise PersonalDataFound: a user message contains personal data; nothing is stored.
    """
    if not is_available(org):
        raise LLMUnavailable(org.id)
    if not purpose or len(purpose) > 40:
        raise ValueError("purpose must be 1 to 40 characters")
    checked = _checked(messages)
    _guard(checked)
    existing = _find(org, purpose, ref_id)
    if existing is not None:
        state = _state(existing, db.session.get(EmailMessage, existing.outbox_id) if existing.outbox_id else None)
        if state.status not in (FAILED, BUDGET_EXHAUSTED) or not _rearm(existing):
            return existing.id
    try:
        with db.session.begin_nested():
            request = existing or LLMRequest(org_id=org.id, purpose=purpose, ref_id=ref_id)
            request.messages = checked
            request.model = current_app.config["LMS_LLM_MODEL"]
            _clear_answer(request)
            if existing is None:
                db.session.add(request)
                db.session.flush()  # a second request for the same reference fails here
            if _reserve(org):
                request.refused = None
                request.outbox_id = _queue(org, request).id
            else:
                request.refused = LLMRequest.BUDGET_EXHAUSTED
                request.outbox_id = None
            db.session.flush()
    except IntegrityError:
        raced = _find(org, purpose, ref_id)
        if raced is None:
            raise
        return raced.id
    return request.id


def _clear_answer(request: LLMRequest) -> None:
    request.text = ""
    request.answer_model = request.finish_reason = None
    request.prompt_tokens = request.completion_tokens = request.total_tokens = None
    request.completed_at = None
    request.updated_at = clock.utcnow()


def completion_state(org: Organization, request_id: int) -> CompletionState | None:
    """Where the request stands and the text so far; None when the company has no such request."""
    found = db.session.execute(
        sa.select(LLMRequest, EmailMessage).outerjoin(EmailMessage, EmailMessage.id == LLMRequest.outbox_id)
        .where(LLMRequest.id == request_id, owned_by(LLMRequest, org))
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        return None
    return _state(*found)


def failure_code(last_error: str | None) -> str:
    code = (last_error or "").split(":", 1)[0]
    return code if code in REASONS else "error"


def _state(request: LLMRequest, row: EmailMessage | None) -> CompletionState:
    model, finish = request.answer_model, request.finish_reason
    if request.refused == LLMRequest.BUDGET_EXHAUSTED:
        budget = db.session.scalar(sa.select(Organization.llm_monthly_budget).where(Organization.id == request.org_id))
        reason = _("Your company has used all of this month's AI model requests (%(budget)d). Ask your company's "
                   "administrator to raise the budget, or paste an answer from the tool you use.", budget=budget or 0)
        return CompletionState(BUDGET_EXHAUSTED, "", reason, BUDGET_EXHAUSTED)
    if row is None:  # the outbox row was removed by hand
        return CompletionState(FAILED, "", str(REASONS["error"]), "error")
    if row.status == EmailMessage.SENT:
        return CompletionState(DONE, request.text, model=model, finish_reason=finish)
    if row.status == EmailMessage.FAILED:
        code = failure_code(row.last_error)
        return CompletionState(FAILED, "", str(REASONS[code]), code)
    if row.status == EmailMessage.SENDING:
        return CompletionState(STREAMING, request.text)
    if row.retrying:
        code = failure_code(row.last_error)
        reason = _("%(reason)s It will be asked again shortly.", reason=REASONS[code])
        return CompletionState(QUEUED, "", reason, code, retry_at=row.next_attempt_at)
    return CompletionState(QUEUED, "")
