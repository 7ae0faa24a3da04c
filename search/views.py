"""Search pages: thin views over search.selectors."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from metrics.models import EventKind
from metrics.services import event_record

from . import selectors
from .backends.base import SearchBackendError
from .models import DocumentKind
from .services import search_query_record

logger = logging.getLogger(__name__)

QUERY_MAX = 100
TABS = [DocumentKind.PERSON, *selectors.CONTENT_KINDS]


def _page_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= selectors.MAX_PAGE:
        return None
    return int(raw)


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    tab = request.GET.get("tab", DocumentKind.PERSON)
    if tab not in TABS:
        tab = DocumentKind.PERSON
    filters = {facet: request.GET.get(facet, "")[:QUERY_MAX] for facet in selectors.PEOPLE_FACETS}
    page = _page_number(request)
    context = {"query": query, "tab": tab, "filters": filters, "tabs": TABS}
    if page is None:
        return render(request, "search/results.html", {**context, "bad_page": True}, status=400)
    if not query:
        return render(request, "search/results.html", context)
    try:
        counts = selectors.content_counts(request.user, query)
        people = selectors.people_search(request.user, query, filters=filters, page=page)
        found = (
            people
            if tab == DocumentKind.PERSON
            else selectors.content_search(request.user, query, tab, page=page)
        )
    except SearchBackendError:
        logger.warning("search backend unavailable", exc_info=True)
        return render(request, "search/results.html", {**context, "unavailable": True}, status=503)
    counts[DocumentKind.PERSON] = people.total
    first_view = page == 1 and tab == DocumentKind.PERSON and not any(filters.values())
    if first_view:
        # The member's search is a participation event without its text; the
        # text is only counted per day, never with who asked.
        event_record(actor=request.user, kind=EventKind.SEARCH)
        search_query_record(query, found=sum(counts.values()))
    return render(
        request,
        "search/results.html",
        {
            **context,
            "found": found,
            "people": people,
            "counts": counts,
            "facets": _facet_links(request, people.facets),
        },
    )


FACET_TITLES = {
    "department": _("Department"),
    "location": _("Location"),
    "language": _("Language"),
    "tag": _("Expertise"),
}


def _facet_links(request: HttpRequest, facets: dict) -> list[tuple[str, list[dict]]]:
    """Each facet value with the link that selects it (or, when selected, drops it)."""
    sections = []
    for facet, values in facets.items():
        links = []
        for item in values:
            params = request.GET.copy()
            params.pop("page", None)
            if item.selected:
                params.pop(facet, None)
            else:
                params[facet] = item.value
            links.append({"item": item, "href": "?" + params.urlencode()})
        if links:
            sections.append((FACET_TITLES[facet], links))
    return sections


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The header box's autocomplete (an htmx fragment)."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    try:
        suggestions = selectors.search_suggestions(request.user, query)
    except SearchBackendError:
        return render(request, "search/_suggestions.html", {"unavailable": True, "query": query})
    return render(request, "search/_suggestions.html", {"s": suggestions, "query": query})
