"""Company isolation, in one place.

Company pages live under `/o/<org_id>/`. Blueprints made by `org_blueprint`
load that company once per request, check that the signed-in person may see
it (else 404, so ids of other companies are indistinguishable from ids that
do not exist) and keep it in `g.org`.

Every read of company-owned rows, in a view, a service, a job or the CLI,
names its company through one helper:

* `owned_by(Model, org)`: the SQL condition "this row belongs to `org`", for
  WHERE clauses and JOIN ... ON clauses alike;
* `in_org(stmt, org)`: a SELECT (or UPDATE/DELETE) restricted to `org`;
* `get_in_org(Model, id, org)` / `get_in_org_or_404(Model, id)`: one row by id;
* `scoped(stmt)`: `in_org` with the request's company, the common case in views.

`org` is an `Organization`, a company id, or a SQL expression standing for one
(a bound parameter of a cached statement, or `Organization.id` in a join).
No other module compares a model's `org_id` itself (a test enforces it).
"""
from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement
from flask import Blueprint, abort, g
from flask_login import current_user

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.extensions import Model, db, login_manager
from lms.orgs.models import Organization

M = TypeVar("M", bound=Model)  # a company-owned model
S = TypeVar("S", bound="sa.Select[*tuple[Any, ...]] | sa.Update | sa.Delete")
OrgRef = Organization | int | None | ColumnElement[Any] | QueryableAttribute[Any]  # None (a person with no company) matches no row

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
    stmt = in_org(sa.select(TrainerAssignment.id), org).where(TrainerAssignment.trainer_id == trainer.id)
    return db.session.scalar(stmt) is not None


def current_org() -> Organization:
    """The company of this request. Raises outside company pages: better a 500 than a leak."""
    org = g.get("org")
    if org is None:
        raise RuntimeError("no company in this request; company data must be read under /o/<org_id>/")
    return org


def current_org_roles() -> frozenset[Role]:
    return g.get("org_roles", frozenset())


def _org_column(model: Any) -> Any:
    column = getattr(model, "org_id", None)
    if model is None or column is None:
        raise TypeError(f"{model!r} is not company-owned; only models with org_id can be scoped to a company")
    return column


def _org_value(org: OrgRef) -> Any:
    return org.id if isinstance(org, Organization) else org


def owned_by(model: Any, org: OrgRef) -> ColumnElement[bool]:
    """The SQL condition that a row of `model` belongs to `org` (for WHERE and JOIN ... ON)."""
    condition: ColumnElement[bool] = _org_column(model) == _org_value(org)
    return condition


def _entity(stmt: sa.Select[Any] | sa.Update | sa.Delete) -> Any:
    if isinstance(stmt, sa.Select):
        return stmt.column_descriptions[0]["entity"]
    return stmt.entity_description["entity"]


def in_org(stmt: S, org: OrgRef, model: Any = None) -> S:
    """Restrict a statement over a company-owned model (its first entity unless named) to `org`."""
    return stmt.where(owned_by(model if model is not None else _entity(stmt), org))  # type: ignore[return-value]


def scoped(stmt: S, model: Any = None) -> S:
    """`in_org` with the request's company: the common case in company pages."""
    return in_org(stmt, current_org(), model)


def get_in_org(model: type[M], ident: int, org: OrgRef) -> M | None:
    """One company-owned row by id within `org`, or None when it does not exist or is another company's."""
    stmt = in_org(sa.select(model), org, model).where(model.id == ident)  # type: ignore[attr-defined]
    return db.session.scalar(stmt)


def get_in_org_or_404(model: type[M], ident: int, org: OrgRef | None = None) -> M:
    """Load one company-owned row by id within `org` (the request's company by default).

    :raise 404: when it does not exist or belongs to another company.
    """
    obj = get_in_org(model, ident, current_org() if org is None else org)
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
