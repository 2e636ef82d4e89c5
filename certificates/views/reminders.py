"""A person's reminders: what the daily job reminded them of, e-mailed or shown here only."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certificates.selectors.reminders import reminders_page


@login_required
@require_GET
def reminder_list(request: HttpRequest) -> HttpResponse:
    page = reminders_page(request.user, request.GET.get("page"))
    return render(request, "certificates/calendar/reminders.html", {"page": page})
