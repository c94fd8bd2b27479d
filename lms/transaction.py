"""The one way a request, a CLI command or a job finishes its unit of work."""
from lms.extensions import db
from lms.mail.service import QUEUED_FLAG, deliver_pending


def commit() -> None:
    """Commit, then deliver the mail that the committed work queued (never before)."""
    mail_queued = db.session.info.pop(QUEUED_FLAG, False)
    db.session.commit()
    if mail_queued:
        deliver_pending()
