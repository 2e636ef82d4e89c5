from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from standards import selectors
from standards.models import Edition

QUERY_MAX = 100


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:QUERY_MAX]


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    context = {"standards": selectors.standards_with_editions(), "query": query}
    if query:
        context["clauses"] = selectors.clause_search(query)
    return render(request, "standards/catalogue.html", context)


@login_required
@require_GET
def standard_detail(request: HttpRequest, slug: str) -> HttpResponse:
    standard = get_object_or_404(selectors.standards_with_editions(), slug=slug)
    return render(request, "standards/standard_detail.html", {"standard": standard})


@login_required
@require_GET
def edition_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    edition = get_object_or_404(
        Edition.objects.select_related("standard", "supersedes__standard"), standard__slug=slug, year=year
    )
    query = _query(request)
    context = {
        "edition": edition,
        "query": query,
        "tree": selectors.clause_tree(edition, query),
        "other_editions": edition.standard.editions.exclude(pk=edition.pk),
    }
    return render(request, "standards/edition_detail.html", context)
