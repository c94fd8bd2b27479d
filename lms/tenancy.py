"""Company isolation, in one place.

Company pages live under `/o/<org_id>/`. Blueprints made by `org_blueprint`
load that company once per request, check that the signed-in person may see
it (else 404, so ids of other companies are indistinguishable from ids that
do not exist) and keep it in `g.org`. Every read of company-owned rows goes
through `scoped` or `get_in_org_or_404`, which filter by `g.org`.
"""
from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, abort, g
from flask_login import current_user

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.extensions import Model, db, login_manager
from lms.orgs.models import Organization

M = TypeVar("M", bound=Model)  # a company-owned model
S = TypeVar("S", bound="sa.Select[*tuple[Any, ...]]")

# What provider staff may do inside a client company.
ADMIN_ORG_ROLES = frozenset({Role.ORG_ADMIN, Role.EXECUTIVE})
TRAINER_ORG_ROLES = frozenset({Role.TRAINER})


def org_roles_for(user: User, org: Organization) -> frozenset[Role] | None:
    """The roles `user` holds inside `org`, or None when the company is not theirs to see."""
    if user.org_id == org.id:
        return user.company_roles
    if user.has_role(Role.ADMIN):
        return ADMIN_ORG_ROLES
    if user.has_role(Role.TRAINER) and _is_assigned(user, org):
        return TRAINER_ORG_ROLES
    return None


def _is_assigned(trainer: User, org: Organization) -> bool:
    stmt = sa.select(TrainerAssignment.id).where(
        TrainerAssignment.trainer_id == trainer.id, TrainerAssignment.org_id == org.id
    )
    return db.session.scalar(stmt) is not None


def current_org() -> Organization:
    """The company of this request. Raises outside company pages: better a 500 than a leak."""
    org = g.get("org")
    if org is None:
        raise RuntimeError("no company in this request; company data must be read under /o/<org_id>/")
    return org


def current_org_roles() -> frozenset[Role]:
    return g.get("org_roles", frozenset())


def scoped(stmt: S, model: type | None = None) -> S:
    """Restrict a SELECT of a company-owned model to the current company."""
    entity = model or stmt.column_descriptions[0]["entity"]
    org_id = getattr(entity, "org_id", None)
    if org_id is None:
        raise TypeError(f"{entity!r} is not company-owned; scoped() only applies to models with org_id")
    return stmt.where(org_id == current_org().id)


def get_in_org_or_404(model: type[M], ident: int) -> M:
    """Load one company-owned row by id within the current company.

    :raise 404: when it does not exist or belongs to another company.
    """
    stmt = scoped(sa.select(model), model).where(model.id == ident)  # type: ignore[attr-defined]
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def load_org(org_id: int) -> None:
    """Fix the request's company, or answer 404 when the person may not see it."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    roles = org_roles_for(current_user, org)
    if roles is None:
        abort(404)
    g.org = org
    g.org_roles = roles


def org_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose routes all live under /o/<org_id>/ and see only that company."""
    bp = Blueprint(name, import_name, url_prefix="/o/<int:org_id>" + url_prefix, template_folder="templates")

    @bp.url_value_preprocessor
    def _pull_org(endpoint: str | None, values: dict[str, Any] | None) -> None:
        load_org(values.pop("org_id"))  # type: ignore[union-attr]

    @bp.url_defaults
    def _add_org(endpoint: str, values: dict[str, Any]) -> None:
        if "org_id" not in values and g.get("org") is not None:
            values["org_id"] = g.org.id

    return bp
