"""Provider-side writes and reads: companies, staff and trainer assignments."""
from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User, UserRole
from lms.accounts.roles import Role
from lms.accounts.service import EmailTaken, find_user_by_email, normalize_email
from lms.members.service import send_invitation
from lms.audit.service import record
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import owned_by


def create_organization(*, name: str, industry: str, employee_band: str, prefecture: int | None, actor: User | None) -> Organization:
    org = Organization(name=name, industry=industry, employee_band=employee_band, prefecture=prefecture)
    db.session.add(org)
    db.session.flush()
    record("org.created", actor=actor, org_id=org.id, subject=name)
    return org


def update_organization(org: Organization, *, name: str, industry: str, employee_band: str, prefecture: int | None, actor: User) -> None:
    org.name, org.industry, org.employee_band, org.prefecture = name, industry, employee_band, prefecture
    record("org.updated", actor=actor, org_id=org.id, subject=name)


def organizations_with_counts() -> list[tuple[Organization, int]]:
    counts = (
        sa.select(User.org_id, sa.func.count().label("n")).where(User.org_id.is_not(None)).group_by(User.org_id).subquery()
    )
    stmt = (
        sa.select(Organization, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.org_id == Organization.id)
        .order_by(Organization.name)
    )
    return [(org, n) for org, n in db.session.execute(stmt)]


def organizations_by_id() -> dict[int, Organization]:
    return {o.id: o for o in db.session.scalars(sa.select(Organization))}


def trainers() -> list[User]:
    stmt = sa.select(User).join(UserRole).where(UserRole.role == Role.TRAINER.value).order_by(*User.name_order())
    return list(db.session.scalars(stmt))


def assigned_trainers(org: Organization) -> list[User]:
    stmt = (
        sa.select(User).join(TrainerAssignment, TrainerAssignment.trainer_id == User.id)
        .where(owned_by(TrainerAssignment, org)).order_by(*User.name_order())
    )
    return list(db.session.scalars(stmt))


def assign_trainer(org: Organization, trainer: User, *, actor: User | None) -> None:
    if not trainer.has_role(Role.TRAINER):
        raise ValueError("only trainers can be assigned to a company")
    exists = db.session.scalar(
        sa.select(TrainerAssignment.id).where(owned_by(TrainerAssignment, org), TrainerAssignment.trainer_id == trainer.id)
    )
    if exists is None:
        db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
        record("trainer.assigned", actor=actor, org_id=org.id, subject=trainer.email)


def unassign_trainer(org: Organization, trainer: User, *, actor: User) -> None:
    db.session.execute(
        sa.delete(TrainerAssignment).where(owned_by(TrainerAssignment, org), TrainerAssignment.trainer_id == trainer.id)
    )
    record("trainer.unassigned", actor=actor, org_id=org.id, subject=trainer.email)


def invite_staff(*, name: str, email: str, role: Role, actor: User | None) -> User:
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=normalize_email(email), display_name=name, locale="ja")
    user.set_roles({role})
    db.session.add(user)
    db.session.flush()
    send_invitation(user, actor=actor)
    return user
