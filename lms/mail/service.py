"""Queue mail inside a transaction; deliver it only after that transaction commits."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
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
    db.session.info[QUEUED_FLAG] = True
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
    mime["Message-ID"] = make_msgid(domain="lms.local")
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


def _claim(message: EmailMessage) -> bool:
    """Mark a queued message as being sent by this process; False when another one got it first.

    A process that dies between the claim and the send leaves the message
    'sending': at most once, never twice.
    """
    claimed = db.session.execute(
        sa.update(EmailMessage).where(EmailMessage.id == message.id, EmailMessage.status == EmailMessage.QUEUED)
        .values(status=EmailMessage.SENDING).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return claimed


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
            if not _claim(message):
                continue  # another process is sending it
            message.attempts += 1
            try:
                smtp.send_message(_to_mime(message))
            except smtplib.SMTPException as exc:
                log.error("sending mail %s failed: %s", message.id, exc)
                message.last_error = str(exc)[:1000]
                message.status = EmailMessage.FAILED if message.attempts >= 5 else EmailMessage.QUEUED
            else:
                message.status = EmailMessage.SENT
                message.sent_at = utcnow()
            db.session.commit()
    return len(pending)
