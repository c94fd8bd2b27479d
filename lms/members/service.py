"""Company members: invitations, edits, departments. Roster imports are in `members.roster`.

Functions take explicit arguments and flush; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.accounts import sessions
from lms.accounts.models import User
from lms.accounts.roles import COMPANY_ROLES, Role
from lms.accounts.service import INVITE, EmailTaken, find_user_by_email, issue_token, link, normalize_email  # noqa: F401 (EmailTaken: raised here)
from lms.audit.service import record
from lms.extensions import db
from lms.mail.service import queue_mail
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org

@dataclass(frozen=True)
class MemberInput:
    name: str
    email: str
    department: str | None
    roles: frozenset[Role]


def get_or_create_department(org: Organization, name: str) -> Department:
    dept = db.session.scalar(in_org(sa.select(Department), org).where(Department.name == name))
    if dept is None:
        dept = Department(org_id=org.id, name=name)
        db.session.add(dept)
        db.session.flush()
    return dept


def send_invitation(user: User, *, actor: User | None) -> None:
    days = current_app.config["LMS_INVITE_TOKEN_DAYS"]
    raw = issue_token(user, INVITE, timedelta(days=days))
    queue_mail(
        to=user.email, template="invitation", locale=user.locale, kind="invitation", org_id=user.org_id,
        user=user, org=user.org, link=link(f"/invite/{raw}"), days=days,
    )
    record("invite.sent", actor=actor, org_id=user.org_id, subject=user.email)


def invite_member(org: Organization, member: MemberInput, *, actor: User | None) -> User:
    """Create a company member without a password and mail them an invitation.

    :raise EmailTaken: the address already has an account (in any company).
    """
    if find_user_by_email(member.email) is not None:
        raise EmailTaken(member.email)
    user = User(org_id=org.id, email=normalize_email(member.email), display_name=member.name, locale="ja")
    user.org = org
    if member.department:
        user.department = get_or_create_department(org, member.department)
    user.set_roles(member.roles & COMPANY_ROLES or {Role.EMPLOYEE})
    db.session.add(user)
    db.session.flush()
    send_invitation(user, actor=actor)
    return user


def update_member(
    user: User, *, name: str, department: Department | None, roles: frozenset[Role], is_active: bool, actor: User
) -> None:
    user.display_name = name
    user.department = department
    user.set_roles(roles & COMPANY_ROLES)
    user.is_active = is_active
    if not is_active:
        # Reactivating later must not bring old sessions back.
        sessions.end_all_sessions(user)
    record(
        "member.updated", actor=actor, org_id=user.org_id, subject=user.email,
        roles=sorted(roles), active=is_active, department=department.name if department else None,
    )


def add_department(org: Organization, name: str, *, actor: User | None) -> Department:
    """A new department. :raise ValueError: one with this name exists already."""
    name = name.strip()
    if db.session.scalar(in_org(sa.select(Department.id), org, Department).where(Department.name == name)) is not None:
        raise ValueError("department exists")
    department = get_or_create_department(org, name)
    record("department.created", actor=actor, org_id=org.id, subject=name)
    return department
