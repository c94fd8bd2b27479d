"""The one way a request, a CLI command or a job finishes its unit of work."""
from lms.extensions import db
from lms.mail.service import deliver_pending


def commit() -> None:
    """Commit, then deliver the mail that the committed work queued (never before)."""
    db.session.commit()
    deliver_pending()
