"""Queue mail inside a transaction; the outbox worker (lms.outbox) delivers it after that transaction commits."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask import current_app
from flask_babel import force_locale

from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.outbox import Claim, dispatcher

log = logging.getLogger(__name__)

def queue_mail(
    *,
    to: str,
    template: str,
    locale: str,
    kind: str,
    org_id: int | None = None,
    dedupe_key: str | None = None,
    unsubscribe_url: str | None = None,
    **context: object,
) -> EmailMessage:
    """Render `mail/<template>.txt` (and `.html` when there is one) in the recipient's language; add it to the outbox.

    The text template's first line is the subject.
    """
    # Straight from the Jinja environment: mail has no request, so no page context processors.
    env = current_app.jinja_env
    context = {**context, "unsubscribe_url": unsubscribe_url, "locale": locale}
    with force_locale(locale):
        rendered = env.get_template(f"mail/{template}.txt").render(**context)
        html_name = f"mail/{template}.html"
        html = env.get_template(html_name).render(**context) if html_name in env.list_templates() else None
    subject, _, body = rendered.partition("\n")
    message = EmailMessage(
        to_address=to,
        subject=subject.strip(),
        body_text=body.lstrip("\n"),
        body_html=html,
        unsubscribe_url=unsubscribe_url,
        kind=kind,
        org_id=org_id,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    db.session.flush()
    return message


def queue_mail_once(*, dedupe_key: str, **kwargs: Any) -> EmailMessage | None:
    """`queue_mail` unless a message with this key was ever queued; None then.

    The key is unique in the table, so two scheduler processes racing on the
    same message end with one row: the loser's savepoint rolls back.
    """
    if db.session.scalar(sa.select(EmailMessage.id).where(EmailMessage.dedupe_key == dedupe_key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            return queue_mail(dedupe_key=dedupe_key, **kwargs)
    except IntegrityError:
        return None


def smtp_configured() -> bool:
    return bool(current_app.config["LMS_SMTP_HOST"])


def _to_mime(message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = current_app.config["LMS_MAIL_FROM"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    # Stable per row: a message sent again after a worker died mid-send can be recognised as a repeat.
    mime["Message-ID"] = f"<outbox-{message.id}@lms.local>"
    if message.unsubscribe_url:
        # RFC 8058 one-click: mail clients POST to the URL without opening it.
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.body_text)
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
    return mime


def _open_smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["LMS_SMTP_SSL"] else smtplib.SMTP
    smtp = smtp_class(config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"], timeout=config["LMS_SMTP_TIMEOUT"])
    if config["LMS_SMTP_STARTTLS"]:
        smtp.starttls()
    if config["LMS_SMTP_USERNAME"]:
        smtp.login(config["LMS_SMTP_USERNAME"], config["LMS_SMTP_PASSWORD"])
    return smtp


@dispatcher("mail")
def deliver(claim: Claim, messages: list[EmailMessage]) -> None:
    """Send claimed messages over one SMTP connection (or file them in the outbox without SMTP).

    A connection that cannot be opened, a timeout or a temporary (4xx) answer
    queues the message again with backoff; a permanent (5xx) refusal fails it
    at once with the server's reason.
    """
    if not smtp_configured():
        for message in messages:
            log.info("mail to %s kept in outbox (no SMTP configured): %s", message.to_address, message.subject)
            claim.done(message, EmailMessage.OUTBOX)
        return
    try:
        smtp = _open_smtp()
    except (OSError, smtplib.SMTPException) as exc:
        log.error("SMTP connection failed, %d message(s) will be retried: %s", len(messages), exc)
        for message in messages:
            claim.retry(message, _reason(exc))
        return
    with smtp:
        for index, message in enumerate(messages):
            if not claim.hold(message):
                continue  # the lease ran out and another worker has it now
            try:
                smtp.send_message(_to_mime(message))
            except smtplib.SMTPRecipientsRefused as exc:  # 5xx: no such mailbox, for good; 4xx: try later
                if all(code >= 500 for code, _ in exc.recipients.values()):
                    claim.fail(message, _reason(exc))
                else:
                    claim.retry(message, _reason(exc))
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:
                    claim.fail(message, _reason(exc))
                else:
                    claim.retry(message, _reason(exc))
            except (OSError, smtplib.SMTPException) as exc:  # the connection broke: the rest wait too
                for rest in messages[index:]:
                    claim.retry(rest, _reason(exc))
                return
            else:
                claim.done(message)


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to}: {code} {msg.decode(errors='replace')}" for to, (code, msg) in exc.recipients.items())
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
