"""Gap analysis pages.

The analysis page lists one compact, read-only row per answer. With htmx, "Edit" loads the editor
of that one row in place and saving swaps the compact row back together with the readiness; without
JavaScript, "Edit" opens the answer's own page, whose form saves and returns to the row's anchor.
"""

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import DomainError
from core.forms import call_action, call_service, confirmed, edit_form
from core.submits import submit_once, submit_result
from core.views import document_subject
from improvement import access
from improvement.documents import GAP_ANALYSIS
from improvement.enums import AnswerStatus
from improvement.forms.gap import (
    EvidenceUploadForm,
    GapActionRaiseForm,
    GapAnalysisStartForm,
    GapAnswerForm,
    GapBulkStatusForm,
    GapCompareForm,
    GapCopyForm,
    GapFilterForm,
    GapImportForm,
    GapNextForm,
    GapShareForm,
)
from improvement.gap_exports import (
    gap_csv_filename,
    gap_csv_write,
    gap_xlsx_filename,
    gap_xlsx_read,
    gap_xlsx_write,
)
from improvement.models import EvidenceFile, GapAnalysis, GapAnswer
from improvement.selectors import gap as selectors
from improvement.services import gap as services
from organisations import access as tenancy
from organisations.models import Organisation, User

GAP_LIST_PAGE_SIZE = 25


def _analysis(request: HttpRequest, pk: int) -> GapAnalysis:
    return get_object_or_404(access.gap_analyses_for(request.user), pk=pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _writable(request: HttpRequest, pk: int) -> GapAnalysis:
    analysis = _analysis(request, pk)
    _require(access.can_write_gap_analysis(request.user, analysis.organisation), access.GAP_WRITERS_ONLY)
    return analysis


def _concludable(request: HttpRequest, pk: int) -> GapAnalysis:
    analysis = _analysis(request, pk)
    _require(access.can_conclude_gap_analysis(request.user, analysis.organisation), access.GAP_MANAGERS_ONLY)
    return analysis


def _can_answer(user: User, analysis: GapAnalysis) -> bool:
    return access.can_write_gap_analysis(user, analysis.organisation) and not analysis.is_completed


def _owners(organisation: Organisation) -> dict[int, User]:
    """Who may own an action: the organisation's quality managers and contributors."""
    memberships = (
        organisation.memberships.filter(is_active=True, role__in=tenancy.CONTRIBUTING_ROLES)
        .select_related("user")
        .order_by("user__full_name")
    )
    return {m.user_id: m.user for m in memberships}


def _answer_form(answer: GapAnswer, data=None) -> GapAnswerForm:
    return edit_form(GapAnswerForm, data, instance=answer, prefix=f"a{answer.pk}")


def _action_form(answer: GapAnswer, owners: dict[int, User], data=None) -> GapActionRaiseForm:
    # ids of its own (several editors may be open on the page); names unprefixed for its token
    return GapActionRaiseForm(data, owners=owners, auto_id=f"action-{answer.pk}-%s")


def _anchor(analysis: GapAnalysis, answer_pk: int) -> str:
    return f"{analysis.get_absolute_url()}#answer-{answer_pk}"


def _partial(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """An htmx fragment (or the page it stands in for without JavaScript): varies on HX-Request,
    so that no cache hands one out for the other."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def gap_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_object_or_404(tenancy.organisations_for(request.user), pk=org_pk)
    analyses = (
        access.gap_analyses_for(request.user)
        .filter(organisation=organisation)
        .prefetch_related("editions__standard")
    )
    page = Paginator(analyses, GAP_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvement/gap_list.html",
        {
            "organisation": organisation,
            "analyses": page.object_list,
            "page": page,
            "tab": "gap",
            "can_write": access.can_write_gap_analysis(request.user, organisation),
            "can_manage": tenancy.can_manage_organisation(request.user, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def gap_start(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_object_or_404(tenancy.organisations_for(request.user), pk=org_pk)
    _require(access.can_write_gap_analysis(request.user, organisation), access.GAP_WRITERS_ONLY)
    form = GapAnalysisStartForm(request.POST or None, organisation=organisation)
    analysis = (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.gap_analysis_start(
                actor=request.user,
                organisation=organisation,
                title=form.cleaned_data["title"],
                editions=list(form.cleaned_data["editions"]),
                sites=list(form.cleaned_data["sites"]),
            ),
        )
    )
    if analysis:
        messages.success(request, _("The gap analysis was started."))
        return redirect(analysis)
    return render(
        request, "improvement/gap_start.html", {"organisation": organisation, "form": form, "tab": "gap"}
    )


@login_required
@require_GET
def gap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = get_object_or_404(
        access.gap_analyses_for(request.user).select_related("created_by", "copied_from"), pk=pk
    )
    writer = access.can_write_gap_analysis(request.user, analysis.organisation)
    sheet = selectors.gap_sheet(analysis)
    filter_form = GapFilterForm(request.GET)
    filtered = _filtered(request, filter_form)
    return render(
        request,
        "improvement/gap_detail.html",
        {
            "analysis": analysis,
            "sheet": sheet,
            "shown": sheet.shown(filtered["show"]),
            "filter_form": filter_form,
            **filtered,
            "GapFilter": selectors.GapFilter,
            "can_write": writer and not analysis.is_completed,
            "statuses": AnswerStatus.choices,
            "can_copy": writer,
            "can_conclude": access.can_conclude_gap_analysis(request.user, analysis.organisation),
            "today": timezone.localdate(),
            "copy_form": GapCopyForm(initial={"title": _("%(title)s (copy)") % {"title": analysis.title}}),
        },
    )


def _row_context(
    request: HttpRequest,
    analysis: GapAnalysis,
    answer_pk: int,
    form: GapAnswerForm | None = None,
    *,
    editor: bool = True,
    sheet: selectors.Sheet | None = None,
    action_form: GapActionRaiseForm | None = None,
) -> dict:
    """One answer's row out of the whole sheet (so its clauses and readiness are the page's), with
    the editor's form when it shows the editor and the user may write, and the form that raises an
    action when the user may raise one (a completed analysis's gaps may still raise actions)."""
    get_object_or_404(analysis.answers, pk=answer_pk)
    sheet = sheet or selectors.gap_sheet(analysis)
    row = sheet.row_for(answer_pk)
    can_write = _can_answer(request.user, analysis)
    if can_write and editor:
        row.form = form or _answer_form(row.answer)
    if editor and access.can_raise_action(request.user, analysis.organisation):
        row.action_form = action_form or _action_form(row.answer, _owners(analysis.organisation))
    return {
        "analysis": analysis,
        "sheet": sheet,
        "row": row,
        "can_write": can_write,
        "evidence_types": ", ".join(settings.EVIDENCE_EXTENSIONS),
        "evidence_max": settings.EVIDENCE_MAX_BYTES,
        "today": timezone.localdate(),
        **_filtered(request),
    }


def _filtered(request: HttpRequest, form: GapFilterForm | None = None) -> dict:
    """The page's filter, for the links that must keep it (editing, stepping to the next clause)."""
    show = (form or GapFilterForm(request.GET)).chosen()
    return {"show": show, "filter_query": "" if show == selectors.GapFilter.ALL else f"show={show}"}


@login_required
@require_GET
def gap_answer_edit(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """One answer: its editor in place (htmx), or its own page. Readers get the answer in full."""
    context = _row_context(request, _analysis(request, pk), answer_pk)
    if request.htmx:
        return _partial(request, "improvement/_answer_row_editor.html", {**context, "in_place": True})
    return _partial(request, "improvement/gap_answer.html", context)


@login_required
@require_GET
def gap_answer_row(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """The compact row again, when the editor is closed without saving (without JavaScript there
    is no editor in place to close: the answer's own page)."""
    context = _row_context(request, _analysis(request, pk), answer_pk, editor=not request.htmx)
    if request.htmx:
        return _partial(request, "improvement/_answer_row_swap.html", {**context, "closed": True})
    return _partial(request, "improvement/gap_answer.html", context)


@login_required
@require_POST
def gap_answer(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Save one answer: in place with htmx (the row and the readiness), or by redirect without."""
    analysis = _writable(request, pk)
    answer = get_object_or_404(analysis.answers.select_related("clause"), pk=answer_pk)
    form = _answer_form(answer, request.POST)
    saved = form.is_valid() and call_service(
        form, lambda: services.gap_answer_save(actor=request.user, answer=answer, **form.cleaned_data)
    )
    if not request.htmx and saved:
        messages.success(request, _("Clause %(number)s saved.") % {"number": answer.clause.number})
        return redirect(_anchor(analysis, answer.pk))
    context = _row_context(request, analysis, answer.pk, None if saved else form, editor=not saved)
    if request.htmx:
        template = "improvement/_answer_row_swap.html" if saved else "improvement/_answer_row_editor.html"
        return _partial(request, template, {**context, "saved": bool(saved), "in_place": True})
    return _partial(request, "improvement/gap_answer.html", context)


@login_required
@require_POST
@submit_once
def gap_answer_action_raise(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Raise an action in the register from one answer; back to the answer's own page."""
    analysis = _analysis(request, pk)
    _require(access.can_raise_action(request.user, analysis.organisation), access.ACTION_RAISERS_ONLY)
    answer = get_object_or_404(analysis.answers.select_related("clause"), pk=answer_pk)
    form = _action_form(answer, _owners(analysis.organisation), request.POST)
    action = form.is_valid() and call_service(
        form,
        lambda: services.gap_answer_action_raise(actor=request.user, answer=answer, **form.cleaned_data),
    )
    if action:
        messages.success(
            request,
            _("Action %(reference)s was raised from clause %(number)s.")
            % {"reference": action.reference, "number": answer.hs_key or answer.clause.number},
        )
        url = reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])
        return _go(request, f"{url}#actions-{answer.pk}")
    context = _row_context(request, analysis, answer.pk, action_form=form)
    return _partial(request, "improvement/gap_answer.html", context)


@login_required
@require_GET
def gap_next_unanswered(request: HttpRequest, pk: int) -> HttpResponse:
    """The next answer not yet assessed after `after` (or the first): its editor in place with
    htmx, its own page without."""
    analysis = _analysis(request, pk)
    form = GapNextForm(request.GET)
    after = form.cleaned_data.get("after") if form.is_valid() else None
    sheet = selectors.gap_sheet(analysis)
    answer = sheet.next_unanswered(after)
    if answer is None:
        messages.info(
            request, _("Every other clause has an answer.") if after else _("Every clause has an answer.")
        )
        return _go(request, _anchor(analysis, after) if sheet.find(after) else analysis.get_absolute_url())
    context = _row_context(request, analysis, answer.pk, sheet=sheet)
    if not request.htmx:
        return _partial(request, "improvement/gap_answer.html", context)
    if not selectors.answer_shown(answer, form.chosen()):  # not on the page as filtered
        return _go(request, reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk]))
    return _partial(request, "improvement/_answer_row_next.html", {**context, "closing": sheet.find(after)})


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows with a full page load."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _evidence_done(request: HttpRequest, analysis: GapAnalysis, answer_pk: int, message: str, ok: bool):
    """After an upload or a removal: the evidence list in place (htmx), or the answer's own page."""
    url = reverse("improvement:gap_answer_edit", args=[analysis.pk, answer_pk]) + f"#evidence-{answer_pk}"
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        return redirect(url)
    if ok:
        submit_result(request, url)  # where a repeat of an upload is sent
    context = _row_context(request, analysis, answer_pk, editor=False)
    return _partial(
        request,
        "improvement/_answer_row_evidence.html",
        {**context, "message": message, "ok": ok, "in_place": True},
    )


@login_required
@require_POST
@submit_once
def gap_evidence_upload(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    analysis = _writable(request, pk)
    answer = get_object_or_404(
        analysis.answers.select_related("clause", "analysis__organisation"), pk=answer_pk
    )
    form = EvidenceUploadForm(request.POST, request.FILES)
    added = form.is_valid() and call_service(
        form,
        lambda: services.gap_evidence_add(
            actor=request.user, answer=answer, upload=form.cleaned_data["file"]
        ),
    )
    if added:
        message = _("The file was attached to clause %(number)s.") % {"number": answer.clause.number}
    else:
        message = " ".join(e for errors in form.errors.values() for e in errors)
    return _evidence_done(request, analysis, answer.pk, message, bool(added))


def _evidence(
    request: HttpRequest, pk: int, file_pk: int, analysis: GapAnalysis | None = None
) -> EvidenceFile:
    analysis = analysis or _analysis(request, pk)
    return get_object_or_404(
        EvidenceFile.objects.select_related("answer__analysis__organisation"),
        pk=file_pk,
        answer__analysis=analysis,
    )


@login_required
@require_GET
def gap_evidence_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    evidence = _evidence(request, pk, file_pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


@login_required
@require_POST
def gap_evidence_remove(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    analysis = _writable(request, pk)
    evidence = _evidence(request, pk, file_pk, analysis)
    try:
        services.gap_evidence_remove(actor=request.user, evidence=evidence)
    except DomainError as error:
        return _evidence_done(request, analysis, evidence.answer_id, str(error), False)
    message = _("The file %(name)s was removed from the answer.") % {"name": evidence.original_name}
    return _evidence_done(request, analysis, evidence.answer_id, message, True)


@login_required
@require_POST
def gap_complete(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _concludable(request, pk)
    if confirmed(request):
        call_action(
            request,
            lambda: services.gap_analysis_complete(actor=request.user, analysis=analysis),
            _("The gap analysis is completed and now read-only."),
        )
    return redirect(analysis)


@login_required
@require_POST
def gap_share(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _concludable(request, pk)
    form = GapShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["shared"]))
        return redirect(analysis)
    call_action(
        request,
        lambda: services.gap_analysis_share(
            actor=request.user, analysis=analysis, shared=form.cleaned_data["shared"]
        ),
        _("Sharing with the certification body was updated."),
    )
    return redirect(analysis)


@login_required
@require_POST
@submit_once
def gap_copy(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _writable(request, pk)
    form = GapCopyForm(request.POST)
    copy = form.is_valid() and call_service(
        form,
        lambda: services.gap_analysis_copy(
            actor=request.user, source=analysis, title=form.cleaned_data["title"]
        ),
    )
    if copy:
        messages.success(
            request, _("A copy was started from the answers of “%(title)s”.") % {"title": analysis.title}
        )
        return redirect(copy)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(analysis)


@login_required
@require_GET
def gap_compare(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    comparable = selectors.gap_comparable(analysis, access.gap_analyses_for(request.user))
    form = GapCompareForm(request.GET if "with" in request.GET else None, comparable=comparable)
    other = form.chosen()
    comparison = selectors.gap_comparison(analysis, other) if other else None
    return render(
        request,
        "improvement/gap_compare.html",
        {
            "analysis": analysis,
            "form": form,
            "comparable": comparable,
            "other": other,
            "older": comparison and comparison.older,
            "newer": comparison and comparison.newer,
            "changes": comparison and comparison.changes,
        },
    )


@login_required
@require_GET
def gap_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as PDF, rendered off the request path: the page of its latest render, with the
    button that asks for a new one (core.documents)."""
    return document_subject(request, kind=GAP_ANALYSIS, object_id=pk)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def gap_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers as a workbook to fill in and upload again (`gap_import`)."""
    analysis = _analysis(request, pk)
    buffer = io.BytesIO()
    gap_xlsx_write(analysis, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{gap_xlsx_filename(analysis)}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def gap_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The workbook given back: every row checked, every problem listed by its row, and the answers
    written only if there is none (all or nothing)."""
    analysis = _writable(request, pk)
    if analysis.is_completed:
        messages.error(request, _("The analysis is completed: its answers are read-only."))
        return redirect(analysis)
    posted = request.method == "POST"
    form = GapImportForm(request.POST if posted else None, request.FILES if posted else None)
    problems: list[str] = []
    if posted and form.is_valid():
        upload = gap_xlsx_read(analysis, form.cleaned_data["file"])
        problems = upload.errors
        if not problems:
            changed = call_service(
                form,
                lambda: services.gap_answers_import(actor=request.user, analysis=analysis, rows=upload.rows),
            )
            if changed is not None:
                messages.success(
                    request,
                    ngettext(
                        "Imported: %(count)d answer changed.", "Imported: %(count)d answers changed.", changed
                    )
                    % {"count": changed},
                )
                return redirect(analysis)
    return render(
        request, "improvement/gap_import.html", {"analysis": analysis, "form": form, "problems": problems}
    )


@login_required
@require_POST
def gap_answers_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Several answers ticked on the analysis page set to one status at once."""
    analysis = _writable(request, pk)
    form = GapBulkStatusForm(request.POST, analysis=analysis)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(analysis)
    status = AnswerStatus(form.cleaned_data["status"])
    try:
        changed = services.gap_answers_status_set(
            actor=request.user, analysis=analysis, answer_ids=form.cleaned_data["answers"], status=status
        )
    except DomainError as refusal:
        messages.error(request, str(refusal))
        return redirect(analysis)
    chosen = len(form.cleaned_data["answers"])
    messages.success(
        request,
        ngettext("%(count)d clause set to “%(status)s”", "%(count)d clauses set to “%(status)s”", chosen)
        % {"count": chosen, "status": status.label}
        + (_(" (%(changed)d changed).") % {"changed": changed} if changed != chosen else "."),
    )
    return redirect(analysis)


@login_required
@require_GET
def gap_csv(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{gap_csv_filename(analysis)}"'
    gap_csv_write(analysis, response)
    return response
