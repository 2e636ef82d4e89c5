"""Fragments that pages of other apps load after themselves (htmx), so that they stay as fast
without them: the home page's news from the certification body, and a programme's next step.
Without JavaScript each is a page of its own."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audits import access as audit_access
from certificates.selectors import news as news_selectors
from certificates.selectors.programme_cycle import programme_next


@login_required
@require_GET
def news(request: HttpRequest) -> HttpResponse:
    """What the CB did for the user's organisations (nothing for who belongs to none)."""
    context = {"news": news_selectors.client_news(request.user)}
    template = "_news.html" if request.htmx else "news.html"
    return render(request, f"certificates/{template}", context)


@login_required
@require_GET
def programme_next_step(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's next step, its page's main button, for whoever reads the programme."""
    programme = get_object_or_404(audit_access.programmes_for(request.user), pk=pk)
    context = {
        "programme": programme,
        "next": programme_next(request.user, programme, today=timezone.localdate()),
    }
    template = "_programme_next.html" if request.htmx else "programme_next.html"
    return render(request, f"certificates/{template}", context)
