"""The home page's part of the organisation's own management system (DOMAIN §13): what to do next
in it, loaded after the page; and the "Management system" menu, each entry opening that part of
the system. A member of one organisation goes straight to its page; a member of several picks the
organisation first. The menu itself costs no query on every page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from improvement.selectors.home import home_for
from improvement.selectors.readiness import summaries_for
from organisations import access as tenancy
from organisations.models import Organisation

# The menu's entries: (path segment, url name of the organisation's page, label), in the menu's order
SECTIONS = {
    "readiness": ("improvement:readiness", _("Readiness for stage 1")),
    "gap-analyses": ("improvement:gap_list", _("Gap analyses")),
    "actions": ("improvement:action_list", _("Actions")),
    "internal-audits": ("improvement:internal_programme_list", _("Internal audits")),
    "management-reviews": ("improvement:review_list", _("Management reviews")),
    "soa": ("improvement:soa_list", _("Statement of Applicability")),
}
CHOOSER_MAX = 50  # organisations listed to pick from; a person belongs to one or two


@login_required
@require_GET
def management_system(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    url_name, label = SECTIONS[section]
    organisations = list(
        Organisation.objects.filter(pk__in=tenancy.member_organisation_ids(request.user))
        .order_by("name")
        .only("pk", "name")[:CHOOSER_MAX]
    )
    if len(organisations) == 1:
        return redirect(url_name, organisations[0].pk)
    choices = [(organisation, reverse(url_name, args=[organisation.pk])) for organisation in organisations]
    return render(request, "improvement/management_system.html", {"label": label, "choices": choices})


@login_required
@require_GET
def next_steps(request: HttpRequest) -> HttpResponse:
    """What to do next in the management system: the home page loads it after the page (htmx), so
    the home page stays as fast as it was (its readiness task lists cost more than the rest of the
    page together); without JavaScript, a page of its own."""
    context = {"home": home_for(request.user, timezone.localdate()), "summaries": summaries_for(request.user)}
    template = "improvement/_home.html" if request.htmx else "improvement/next_steps.html"
    return render(request, template, context)
