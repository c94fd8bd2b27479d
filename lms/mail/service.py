"""Queue mail inside a transaction; deliver it only after that transaction commits."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from lms.db import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage

log = logging.getLogger(__name__)

# Set on the session when mail is queued, so a commit that queued none skips the outbox query.
QUEUED_FLAG = "lms.mail_queued"


def queue_mail(
    *,
    to: str,
    template: str,
    locale: str,
    kind: str,
    org_id: int | None = None,
    dedupe_key: str | None = None,
    **context: object,
) -> EmailMessage:
    """Render `mail/<template>.txt` in the recipient's language and add it to the outbox.

    The template's first line is the subject.
    """
    # Straight from the Jinja environment: mail has no request, so no page context processors.
    with force_locale(locale):
        rendered = current_app.jinja_env.get_template(f"mail/{template}.txt").render(**context)
    subject, _, body = rendered.partition("\n")
    message = EmailMessage(
        to_address=to,
        subject=subject.strip(),
        body_text=body.lstrip("\n"),
        kind=kind,
        org_id=org_id,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    db.session.flush()
    db.session.info[QUEUED_FLAG] = True
    return message


def smtp_configured() -> bool:
    return bool(current_app.config["LMS_SMTP_HOST"])


def _to_mime(message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = current_app.config["LMS_MAIL_FROM"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(domain="lms.local")
    mime.set_content(message.body_text)
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


def deliver_pending(limit: int = 200) -> int:
    """Send queued messages (or file them in the outbox without SMTP); returns how many were handled.

    Runs after a commit, in its own short transactions, so a mail failure never
    undoes the action that caused it.
    """
    pending = list(
        db.session.scalars(
            sa.select(EmailMessage)
            .where(EmailMessage.status == EmailMessage.QUEUED)
            .order_by(EmailMessage.id)
            .limit(limit)
        )
    )
    if not pending:
        return 0
    if not smtp_configured():
        for message in pending:
            message.status = EmailMessage.OUTBOX
            log.info("mail to %s kept in outbox (no SMTP configured): %s", message.to_address, message.subject)
        db.session.commit()
        return len(pending)
    try:
        smtp = _open_smtp()
    except (OSError, smtplib.SMTPException) as exc:
        log.error("SMTP connection failed, %d messages stay queued: %s", len(pending), exc)
        for message in pending:
            message.attempts += 1
            message.last_error = str(exc)[:1000]
        db.session.commit()
        return 0
    with smtp:
        for message in pending:
            message.attempts += 1
            try:
                smtp.send_message(_to_mime(message))
            except smtplib.SMTPException as exc:
                log.error("sending mail %s failed: %s", message.id, exc)
                message.last_error = str(exc)[:1000]
                if message.attempts >= 5:
                    message.status = EmailMessage.FAILED
            else:
                message.status = EmailMessage.SENT
                message.sent_at = utcnow()
            db.session.commit()
    return len(pending)
