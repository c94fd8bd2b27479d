"""The outbox dispatcher for channel "llm": the worker asks the AI model and stores the answer.

For each claimed row, in the worker process (never in a web request):

1. keep one row of the batch and give the others back (`Claim.release`), then
   renew the hold on it (`Claim.hold`); a row another worker took is left alone;
2. clear any text a previous attempt left, and call the model, streaming;
3. while the answer streams in, every LMS_LLM_PARTIAL_SECONDS: renew the hold
   and save the text so far (its own commit), so the page can show it growing;
   a lost hold stops the stream at once;
4. at the end, renew the hold, then store the answer (text, model, usage,
   finish reason) and mark the row sent in one commit.

A failure the client calls retryable (timeout, 429, 5xx, connection lost) is
queued again after LMS_LLM_RETRY_SECONDS doubling (or the server's
Retry-After when longer), up to LMS_LLM_MAX_ATTEMPTS attempts; anything else
(bad key, unknown model, nonsense) fails at once. The reason is the outbox
row's `last_error`, which admins read on the sent-messages page.

A worker that dies mid-stream leaves the row 'sending' with the text so far.
Once its claim is older than LMS_OUTBOX_LEASE_SECONDS another worker claims
it (lms.outbox), clears that text and asks the model again; the answer is
stored once, on the same request row, and the request counts once against the
budget. The model itself may therefore be asked twice for one request (an
OpenAI-compatible server offers no way to recognise a repeat); the learner
never sees two answers. A live worker renews its hold with every partial save,
so a long answer never outlives the lease.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.core.clock import utcnow
from lms.extensions import db
from lms.llm.client import Completion, LLMClient, LLMError, Timeouts
from lms.llm.models import LLMRequest
from lms.mail.models import EmailMessage
from lms.orgs.models import Organization
from lms.outbox import Claim, dispatcher

log = logging.getLogger(__name__)


class LostHold(Exception):
    """Another worker took the row (this one stalled past the lease): stop without touching it."""


def client_from_config() -> LLMClient:
    config = current_app.config
    return LLMClient(config["LMS_LLM_BASE_URL"], config["LMS_LLM_API_KEY"], Timeouts(
        connect=config["LMS_LLM_CONNECT_TIMEOUT"], read=config["LMS_LLM_READ_TIMEOUT"],
        total=config["LMS_LLM_TOTAL_TIMEOUT"],
    ))


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """10 s, 20 s, 40 s ... capped at 10 minutes: a learner is waiting; a server's Retry-After wins when longer."""
    base = current_app.config["LMS_LLM_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(max(base, retry_after or 0), 600))


@dispatcher("llm", slow=True)
def deliver(claim: Claim, rows: list[EmailMessage]) -> None:
    """Ask the model for the first claimed request; give the others back at once for any worker to take.

    One answer can take minutes: a worker that kept a whole batch would make
    the last learner wait for every answer before theirs while other workers
    idle. Given back, the rows go to whichever worker is free (this one too,
    on its next pass), so N workers ask the model N at a time.
    """
    if not current_app.config["LMS_LLM_BASE_URL"]:
        for row in rows:
            claim.fail(row, "off: no AI model is configured (LMS_LLM_BASE_URL is empty)")
        return
    first, *rest = rows
    claim.release(rest)
    if claim.hold(first):
        with client_from_config() as client:
            _deliver_one(client, claim, first)


def _deliver_one(client: LLMClient, claim: Claim, row: EmailMessage) -> None:
    request = db.session.scalar(sa.select(LLMRequest).where(LLMRequest.outbox_id == row.id))
    if request is None:
        claim.fail(row, "error: the request behind this row is gone")
        return
    org = db.session.get(Organization, request.org_id)
    if org is None or not org.llm_enabled:
        claim.fail(row, "off: the company turned the AI model off before it was asked")
        return
    _save_text(request, "")  # a previous attempt's partial answer goes; this attempt starts afresh
    db.session.commit()
    config = current_app.config
    saver = PartialSaver(claim, row, request, config["LMS_LLM_PARTIAL_SECONDS"])
    try:
        answer = client.chat(
            request.messages, model=request.model, temperature=config["LMS_LLM_TEMPERATURE"],
            max_tokens=config["LMS_LLM_MAX_TOKENS"], stream=config["LMS_LLM_STREAM"], on_delta=saver,
        )
    except LostHold:
        db.session.rollback()
        log.warning("llm request %s: another worker took outbox row %s; stopped streaming", request.id, row.id)
        return
    except LLMError as exc:
        db.session.rollback()
        _save_text(request, "")
        if exc.retryable and row.attempts < config["LMS_LLM_MAX_ATTEMPTS"]:
            claim.retry(row, exc.reason, delay=retry_delay(row.attempts, exc.retry_after))
        else:
            claim.fail(row, exc.reason)
        return
    if not claim.hold(row):
        return
    if not answer.text.strip():  # a filtered or broken answer: nothing a learner could read
        _save_text(request, "")
        claim.fail(row, f"bad_response: the model answered with no text (finish reason {answer.finish_reason})")
        return
    _store(request, answer)
    claim.done(row)  # commits the answer with the row's new status
    log.info("llm request %s answered (%s, %s)", request.id, answer.model, answer.finish_reason)


class PartialSaver:
    """`on_delta` for the client: saves the text so far every `interval` seconds, renewing the hold each time."""

    def __init__(self, claim: Claim, row: EmailMessage, request: LLMRequest, interval: float) -> None:
        self.claim, self.row, self.request, self.interval = claim, row, request, interval
        self.saved_at = time.monotonic()

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        if now - self.saved_at < self.interval:
            return
        if not self.claim.hold(self.row):
            raise LostHold(self.row.id)
        _save_text(self.request, text)
        db.session.commit()
        self.saved_at = now


def _save_text(request: LLMRequest, text: str) -> None:
    db.session.execute(
        sa.update(LLMRequest).where(LLMRequest.id == request.id).values(text=text, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _store(request: LLMRequest, answer: Completion) -> None:
    usage = answer.usage
    db.session.execute(
        sa.update(LLMRequest).where(LLMRequest.id == request.id).values(
            text=answer.text, answer_model=answer.model, finish_reason=answer.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            total_tokens=usage.total_tokens if usage else None,
            updated_at=utcnow(), completed_at=utcnow(),
        ).execution_options(synchronize_session=False)
    )
