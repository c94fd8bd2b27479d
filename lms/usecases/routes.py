"""The read-only use-case catalog for a company's own people: `/o/<org>/cases/`.

Cases are provider content, the same for every company; the company only
orders them (its industry first, when there is no search query). The list
takes a search query `q` and facet filters (industry, department, task type,
tool, level) that combine. Views load, then render (GET only).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for
from markupsafe import Markup
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.core.vocab import DATA_CLASSES, DEPARTMENTS, INDUSTRIES, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.security import require_org_role
from lms.tenancy import current_org, org_blueprint
from lms.usecases import queries, recommend, search
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


# The rendered list part of catalog pages (lms/usecases/templates/usecases/_listing.html), per catalog version
# token: it is the same for every reader of a company with the same filters, query and page, and rendering 20
# cards and 50 facet links was most of the page's time. Each process keeps the last LISTING_CACHE_SIZE of them.
LISTING_CACHE_SIZE = 128
_listings: tuple[str, OrderedDict[tuple[Any, ...], tuple[Markup, int]]] | None = None


@bp.get("/")
@require_org_role(*READERS)
def index() -> ResponseReturnValue:
    global _listings
    org = current_org()
    filters = queries.Filters.from_args(request.args.to_dict())
    number = request.args.get("page", "1")
    page = int(number) if number.isdigit() and len(number) < 6 else 1
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]  # the search reads no further
    token = search.catalog_token()
    if _listings is None or token is None or _listings[0] != token:
        _listings = (token, OrderedDict()) if token is not None else None
    kept = _listings[1] if _listings is not None else None  # None: no catalog version yet, nothing is kept
    key = (str(get_locale()), org.id, org.industry, filters, query, page)
    cached = kept.get(key) if kept is not None else None
    if cached is None:
        cached = _listing(org.industry, filters, query, page)
        if kept is not None:
            kept[key] = cached
            if len(kept) > LISTING_CACHE_SIZE:
                kept.popitem(last=False)
    elif kept is not None:
        kept.move_to_end(key)
    listing_html, shown_page = cached
    # Suggestions on the plain first page only: not beside a filtered or searched list, not for provider staff.
    plain_first_page = shown_page == 1 and not filters.active() and not query.strip()
    return render_template(
        "usecases/index.html", listing_html=listing_html, filters=filters, query=query,
        recommended=recommend.for_person(current_user, org) if plain_first_page and current_user.org_id == org.id else [],
    )


def _listing(company_industry: str | None, filters: queries.Filters, query: str, page: int) -> tuple[Markup, int]:
    """The list part of a catalog page, rendered, and the page number it shows."""
    listing = queries.live_cases(filters, company_industry, page, query=query)
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
    html = render_template(
        "usecases/_listing.html", listing=listing, cases=listing.cases, filters=filters, query=query,
        searched=bool(query.strip()), facets=facets, company_industry=company_industry,
        levels=_labels(USECASE_LEVELS), task_types=_labels(USECASE_TASK_TYPES),
        case_base=url_for("usecases.case", case_id="x")[:-1],  # + the case id (a slug: nothing to escape)
        previous=link(page=listing.page - 1), following=link(page=listing.page + 1),
    )
    return Markup(html), listing.page


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
