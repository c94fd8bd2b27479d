"""Bulk roster import: stage (parse and check, nothing written to users) then apply in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import RosterImport, User
from lms.accounts.roles import Role
from lms.members.roster_file import RosterFileError, RosterProblem, RosterRow, parse_roster
from lms.accounts.service import find_user_by_email
from lms.members.service import get_or_create_department, send_invitation
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import owned_by

CREATE = "create"
UPDATE = "update"


class RosterAlreadyApplied(Exception):
    pass


@dataclass(frozen=True)
class RosterSummary:
    created: int
    updated: int
    new_departments: list[str]


def _plan(org: Organization, rows: list[RosterRow]) -> list[dict[str, Any]]:
    """Decide create/update per row (JSON rows, kept on the staged import); another company's address is a row error."""
    existing = {
        u.email: u
        for u in db.session.scalars(sa.select(User).where(User.email.in_([r.email for r in rows])))
    }
    problems: list[RosterProblem] = []
    planned = []
    for row in rows:
        user = existing.get(row.email)
        if user is not None and user.org_id != org.id:
            problems.append(RosterProblem("email_in_use", row.row_number, "メール", row.email))
            continue
        planned.append(
            {
                "row": row.row_number,
                "name": row.name,
                "email": row.email,
                "department": row.department,
                "roles": sorted(row.roles),
                "action": UPDATE if user is not None else CREATE,
            }
        )
    if problems:
        raise RosterFileError(problems)
    return planned


def stage_roster(org: Organization, data: bytes, filename: str, *, actor: User) -> RosterImport:
    """Parse and check an uploaded roster and keep it for preview.

    :raise RosterFileError: every problem found, with row numbers and columns.
    """
    parsed = parse_roster(data, filename)
    staged = RosterImport(
        org_id=org.id,
        created_by_id=actor.id,
        filename=filename[:255],
        encoding=parsed.encoding,
        rows=_plan(org, parsed.rows),
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def new_department_names(org: Organization, staged: RosterImport) -> list[str]:
    wanted = {r["department"] for r in staged.rows if r["department"]}
    known = set(db.session.scalars(sa.select(Department.name).where(owned_by(Department, org))))
    return sorted(wanted - known)


def apply_roster(org: Organization, staged: RosterImport, *, actor: User) -> RosterSummary:
    """Write the staged roster. The caller commits; any error leaves everything as it was.

    Existing members of the company get the file's department and gain its roles;
    roles are never taken away by an import.

    :raise RosterAlreadyApplied:
    :raise RosterFileError: an address was taken by another company since the preview.
    """
    if staged.applied_at is not None:
        raise RosterAlreadyApplied()
    # Re-check against the database as it is now, not as it was at preview time.
    rows = [
        RosterRow(r["row"], r["name"], r["email"], r["department"], frozenset(r["roles"]))
        for r in staged.rows
    ]
    plan = _plan(org, rows)
    new_departments = new_department_names(org, staged)
    created = updated = 0
    invited: list[User] = []
    for row in plan:
        department = get_or_create_department(org, row["department"]) if row["department"] else None
        roles = frozenset(Role(r) for r in row["roles"])
        user = find_user_by_email(row["email"])
        if user is None:
            user = User(org_id=org.id, email=row["email"], display_name=row["name"], locale="ja")
            user.org = org
            user.department = department
            user.set_roles(roles)
            db.session.add(user)
            invited.append(user)
            created += 1
        else:
            if department is not None:
                user.department = department
            user.set_roles(user.roles | roles)
            updated += 1
    db.session.flush()
    for user in invited:
        send_invitation(user, actor=actor)
    staged.applied_at = utcnow()
    record(
        "roster.imported", actor=actor, org_id=org.id, subject=staged.filename,
        created=created, updated=updated, new_departments=new_departments,
    )
    return RosterSummary(created=created, updated=updated, new_departments=new_departments)
