"""An org admin downloads the company's recorded xAPI statements as one JSON file."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, stream_with_context
from flask.typing import ResponseReturnValue

from lms.accounts.roles import Role
from lms.core.clock import today
from lms.security import require_org_role
from lms.tenancy import current_org, org_blueprint
from lms.xapi.export import chunks

bp = org_blueprint("xapi", __name__, "/xapi")


@bp.get("/export.json")
@require_org_role(Role.ORG_ADMIN)
def export() -> ResponseReturnValue:
    """Every statement the company's people made, oldest first (an array of xAPI 1.0.3 statements)."""
    org = current_org()
    filename = f"{org.name}_xapi_{today():%Y%m%d}.json"
    disposition = f"attachment; filename=\"xapi.json\"; filename*=UTF-8''{quote(filename)}"
    return Response(stream_with_context(chunks(org.id)), mimetype="application/json",
                    headers={"Content-Disposition": disposition})
