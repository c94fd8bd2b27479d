"""The read-only use-case catalog for a company's own people: `/o/<org>/cases/`.

Cases are provider content, the same for every company; the company only
orders them (its industry first, when there is no search query). The list
takes a search query `q` and facet filters (industry, department, task type,
tool, level) that combine. Views load, then render (GET only).
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.core.vocab import DATA_CLASSES, DEPARTMENTS, INDUSTRIES, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.security import require_org_role
from lms.tenancy import current_org, org_blueprint
from lms.usecases import queries, recommend
from lms.usecases.search import MAX_QUERY_CHARS
from lms.usecases.trial_routes import case_context

bp = org_blueprint("usecases", __name__, "/cases")
READERS = (Role.EMPLOYEE, Role.EXECUTIVE, Role.ORG_ADMIN)
LABELS = {
    "industries": INDUSTRIES, "levels": USECASE_LEVELS, "task_types": USECASE_TASK_TYPES, "tools": USECASE_TOOLS,
    "data_classes": DATA_CLASSES,
}


_LABELS: dict[tuple[str, int], dict[str, str]] = {}


def _labels(table: Mapping[str, object]) -> dict[str, str]:
    """A vocabulary's labels in the request's language, resolved once a process and language (the page lists ~50)."""
    key = (str(get_locale()), id(table))
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {code: str(label) for code, label in table.items()}
    return labels


@bp.get("/")
@require_org_role(*READERS)
def index() -> ResponseReturnValue:
    org = current_org()
    filters = queries.Filters.from_args(request.args.to_dict())
    number = request.args.get("page", "1")
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]  # the search reads no further
    listing = queries.live_cases(filters, org.industry, int(number) if number.isdigit() and len(number) < 6 else 1,
                                 query=query)
    # Suggestions on the plain first page only: not beside a filtered or searched list, not for provider staff.
    plain_first_page = listing.page == 1 and not filters.active() and not query.strip()
    # Labels resolved once a request, links built with one url_for: a page shows ~50 facet links and 20 cards.
    current: dict[str, str | int | None] = {**filters.args(), "q": query or None, "page": None}
    base = url_for("usecases.index")

    def link(**changes: str | int | None) -> str:
        args = {k: v for k, v in {**current, **changes}.items() if v}  # keys keep their order: filters, q, page
        return f"{base}?{urlencode(args)}" if args else base

    facets = []
    for name, heading, options in (
        ("industry", _("Industry"), _labels(INDUSTRIES).items()),
        ("department", _("Department"), [(d, d) for d in DEPARTMENTS]),
        ("task_type", _("Task type"), _labels(USECASE_TASK_TYPES).items()),
        ("tool", _("Tool"), _labels(USECASE_TOOLS).items()), ("level", _("Level"), _labels(USECASE_LEVELS).items()),
    ):
        counts, selected = listing.facets[name], filters.args()[name]
        facets.append((name, heading, link(**{name: None}), not selected, [
            (link(**{name: code}), label, counts.get(code, 0), code == selected)
            for code, label in options if counts.get(code) or code == selected]))
    return render_template(
        "usecases/index.html", listing=listing, cases=listing.cases, filters=filters, query=query,
        searched=bool(query.strip()), facets=facets, company_industry=org.industry,
        levels=_labels(USECASE_LEVELS), task_types=_labels(USECASE_TASK_TYPES),
        case_base=url_for("usecases.case", case_id="x")[:-1],  # + the case id (a slug: nothing to escape)
        previous=link(page=listing.page - 1), following=link(page=listing.page + 1),
        recommended=recommend.for_person(current_user, org) if plain_first_page and current_user.org_id == org.id else [],
    )


@bp.get("/<case_id>")
@require_org_role(*READERS)
def case(case_id: str) -> ResponseReturnValue:
    usecase, by_alias = queries.case_by_id(case_id)
    if usecase is None or usecase.current_revision is None:
        abort(404)
    if by_alias:  # an old id (the file was renamed): the case's own address
        return redirect(url_for("usecases.case", case_id=usecase.slug), 301)
    revision = usecase.current_revision
    parsed = revision.parsed
    return render_template(
        "usecases/case.html", case=usecase, revision=revision, parsed=parsed, labels=LABELS,
        lessons=queries.lesson_links(parsed.get("lessons", [])),
        exercises=queries.exercise_links(parsed.get("exercises", [])),
        **case_context(usecase),
    )
