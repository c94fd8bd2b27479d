"""The one way a request, a CLI command or a job finishes its unit of work."""
from lms.extensions import db


def commit() -> None:
    """Commit. Mail queued by the committed work is delivered by the outbox worker (lms.outbox), never here."""
    db.session.commit()
