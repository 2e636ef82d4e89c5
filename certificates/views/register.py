"""The certificate register: the CB's staff read their CBs' certificates and export them for IAF
CertSearch (DOMAIN §6.3); a client's members see their own certificates here, without export."""

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certificates import access
from certificates import register_export as export
from certificates.forms.register import RegisterFilterForm
from certificates.models import Certificate
from certificates.selectors import register as selectors

PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request: HttpRequest, visible: QuerySet[Certificate]) -> RegisterFilterForm:
    standards, organisations = selectors.register_choices(visible)
    return RegisterFilterForm(request.GET, standards=standards, organisations=organisations)


def _query(request: HttpRequest) -> str:
    """The filters of the query string, without the page, for the page and export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    visible = access.certificates_for(request.user)
    form = _filter_form(request, visible)
    certificates = selectors.register_filter(visible, form.filters(timezone.localdate()))
    can_export = access.can_read_register(request.user)
    return render(
        request,
        "certificates/register.html",
        {
            "form": form,
            "page": selectors.register_page(certificates, request.GET.get("page"), PER_PAGE),
            "query": _query(request),
            "filtered": any(form.cleaned_data.values()),
            "can_export": can_export,
            "is_register": can_export or request.user.is_staff,
            "show_body": selectors.sees_several_bodies(visible),
        },
    )


def _export_rows(request: HttpRequest) -> Iterator[list[export.CertSearchRow]] | None:
    """The CertSearch rows of the user's CBs under the query's filters, chunk by chunk as they are
    read; None when a filter is not valid (nothing is exported on a filter the user did not mean)."""
    if not access.can_read_register(request.user):
        raise PermissionDenied(access.STAFF_ONLY)
    visible = access.certificates_for(request.user)
    form = _filter_form(request, visible)
    if not form.is_valid():
        return None
    own = visible.filter(certification_body__in=access.register_bodies(request.user))
    certificates = selectors.register_filter(own, form.filters(timezone.localdate()))
    return export.certsearch_rows(selectors.certsearch_chunks(certificates))


def _attachment(response: HttpResponseBase, extension: str) -> HttpResponseBase:
    filename = export.export_filename(extension, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


QUERY_BACK_MAX = 2_000  # a longer query is not sent back (browsers and Django refuse long redirects)


def _back_to_register(request: HttpRequest) -> HttpResponse:
    """The export's filters are not valid: back to the register, which says why."""
    query = _query(request)
    if len(query) > QUERY_BACK_MAX:
        messages.error(request, _("The filters were not valid, so nothing was exported."))
        return redirect("certificates:register")
    return redirect(f"{reverse('certificates:register')}?{query}")


@login_required
@require_GET
def register_csv(request: HttpRequest) -> HttpResponseBase:
    """Streamed: the first rows leave while the next are read, whatever the register's size."""
    rows = _export_rows(request)
    if rows is None:
        return _back_to_register(request)
    response = StreamingHttpResponse(export.csv_pieces(rows), content_type="text/csv; charset=utf-8")
    return _attachment(response, "csv")


@login_required
@require_GET
def register_xlsx(request: HttpRequest) -> HttpResponseBase:
    rows = _export_rows(request)
    if rows is None:
        return _back_to_register(request)
    return _attachment(FileResponse(export.xlsx_file(rows), content_type=XLSX_TYPE), "xlsx")
