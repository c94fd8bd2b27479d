"""Where each person lands after signing in, and the company home pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.adoption import dashboard, exports
from lms.core.vocab import REQUIREMENTS, stage_label
from lms.cohorts import queries as cohort_queries
from lms.extensions import db
from lms.learning.queries import course_cards, visible_courses
from lms.members import queries
from lms.orgs.models import Organization
from lms.security import require_org_role, require_role
from lms.tenancy import current_org, current_org_roles, org_blueprint, owned_by, scoped
from lms.usecases import recommend

bp = Blueprint("home", __name__, template_folder="templates")
org_bp = org_blueprint("org_home", __name__)


def home_url_for(user: User) -> str:
    """The primary home page of a person with possibly several roles."""
    roles = user.roles
    if Role.ADMIN in roles:
        return url_for("admin.index")
    if Role.TRAINER in roles:
        return url_for("home.trainer")
    if user.org_id is None:
        return url_for("auth.account")
    if Role.EXECUTIVE in roles:
        return url_for("org_home.executive", org_id=user.org_id)
    if Role.ORG_ADMIN in roles:
        return url_for("members.index", org_id=user.org_id)
    return url_for("org_home.learner", org_id=user.org_id)


@bp.get("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_url_for(current_user))


@bp.get("/trainer")
@require_role(Role.TRAINER)
def trainer() -> ResponseReturnValue:
    """A trainer's companies."""
    orgs = db.session.scalars(
        sa.select(Organization)
        .join(TrainerAssignment, owned_by(TrainerAssignment, Organization.id))
        .where(TrainerAssignment.trainer_id == current_user.id)
        .order_by(Organization.name)
    )
    return render_template("home/trainer.html", orgs=list(orgs))


@org_bp.get("/")
@login_required
def learner() -> ResponseReturnValue:
    """An employee's home: their courses and progress."""
    if current_user.org_id != current_org().id:
        abort(404)  # provider staff have no learning of their own here
    user = current_user._get_current_object()
    cohorts = cohort_queries.my_cohorts(user)
    taught = {c.course_id for view in cohorts for c in view.cohort.courses}  # what cohort_course_ids would ask for
    cards = course_cards(user, visible_courses(current_org(), current_org_roles(), user, taught))
    return render_template("home/learner.html", org=current_org(), cards=cards, cohorts=cohorts,
                           recommended=recommend.for_person(user, current_org()))


@org_bp.get("/executive")
@require_org_role(Role.EXECUTIVE, Role.TRAINER)
def executive() -> ResponseReturnValue:
    """An executive's home: where the company stands with AI, and the way to the dashboard (aggregates only)."""
    people = db.session.scalar(scoped(sa.select(sa.func.count()).select_from(User), User).where(User.is_active)) or 0
    activated = db.session.scalar(
        scoped(sa.select(sa.func.count()).select_from(User), User).where(User.is_active, User.password_hash.is_not(None))
    ) or 0
    board = dashboard.build(current_org())
    return render_template(
        "home/executive.html", org=current_org(), people=people, activated=activated,
        departments=len(queries.departments()), board=board, stage_label=stage_label, requirements=REQUIREMENTS,
        pct=exports.pct_text, can_see_dashboard=bool(current_org_roles() & {Role.EXECUTIVE, Role.ORG_ADMIN}),
    )
