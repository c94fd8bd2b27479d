"""The company's API tokens (org admins): list, create (the secret shown once), revoke."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.api import service
from lms.api.forms import TokenForm, scope_choices
from lms.api.models import ApiToken
from lms.core.clock import utcnow
from lms.extensions import db
from lms.forms import ConfirmForm, number_of, text_of, values_of
from lms.security import require_org_role
from lms.tenancy import current_org, get_in_org_or_404, org_blueprint, scoped
from lms.transaction import commit

bp = org_blueprint("api_tokens", __name__, "/api-tokens")


def _render(form: TokenForm, secret: str | None = None) -> ResponseReturnValue:
    tokens = db.session.scalars(scoped(sa.select(ApiToken)).order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    labels = dict(scope_choices())
    return render_template("api/tokens.html", form=form, tokens=list(tokens), secret=secret, now=utcnow(),
                           labels=labels, revoke_form=ConfirmForm()), 422 if form.errors else 200


@bp.get("/")
@require_org_role(Role.ORG_ADMIN)
def index() -> ResponseReturnValue:
    return _render(TokenForm())


@bp.post("/")
@require_org_role(Role.ORG_ADMIN)
def create() -> ResponseReturnValue:
    """Create a token; its secret is in this one answer only (stored hashed)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form)
    _, secret = service.create_token(current_org(), name=text_of(form.name), scopes=values_of(form.scopes),
                                     days=number_of(form.days), actor=current_user)
    commit()
    return _render(TokenForm(formdata=None), secret=secret)


@bp.post("/<int:token_id>/revoke")
@require_org_role(Role.ORG_ADMIN)
def revoke(token_id: int) -> ResponseReturnValue:
    token = get_in_org_or_404(ApiToken, token_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("api_tokens.index"))
    service.revoke_token(token, actor=current_user)
    commit()
    flash(_("The token “%(name)s” is revoked. Requests with it are refused from now on.", name=token.name), "info")
    return redirect(url_for("api_tokens.index"))
