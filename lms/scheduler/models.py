"""APScheduler's job table, declared here so that a migration creates it like every other table.

The columns are exactly those `apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore`
declares; it finds the table present and uses it.
"""
import sqlalchemy as sa

from lms.extensions import db

JOBS_TABLE = "apscheduler_jobs"

apscheduler_jobs = sa.Table(
    JOBS_TABLE,
    db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
