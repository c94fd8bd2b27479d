"""The company's AI-model settings (switch and monthly budget), for its administrators."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.llm import service
from lms.llm.forms import LLMSettingsForm
from lms.orgs.models import Organization
from lms.security import require_org_role
from lms.tenancy import current_org, org_blueprint
from lms.transaction import commit
from lms.forms import number_of

bp = org_blueprint("llm", __name__, "/ai-model")


def settings_form(org: Organization) -> LLMSettingsForm:
    return LLMSettingsForm(obj=org)


def settings_context(org: Organization) -> dict[str, object]:
    """What the settings card on the cohorts page shows (lms/llm/templates/llm/_settings.html)."""
    return {"llm_form": settings_form(org), "llm_used": service.used_this_month(org),
            "llm_configured": service.model_configured()}


@bp.post("/settings")
@require_org_role(Role.ORG_ADMIN)
def settings() -> ResponseReturnValue:
    """Turn the AI model on or off for the company and set its monthly request budget."""
    org = current_org()
    form = settings_form(org)
    if not form.validate_on_submit():
        flash(_("The AI model settings were not saved: %(errors)s",
                errors=" ".join(e for errs in form.errors.values() for e in errs)), "error")
        return redirect(url_for("cohorts.index", _anchor="ai-model"))
    service.update_settings(org, enabled=form.llm_enabled.data, budget=number_of(form.llm_monthly_budget), actor=current_user)
    commit()
    flash(_("AI model settings saved."), "info")
    return redirect(url_for("cohorts.index", _anchor="ai-model"))
