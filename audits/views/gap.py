import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audits import access
from audits.forms.gap import (
    EvidenceUploadForm,
    GapAnalysisStartForm,
    GapAnswerForm,
    GapCopyForm,
    GapShareForm,
)
from audits.models import EvidenceFile, GapAnalysis, GapAnswer
from audits.pdf import render_gap_analysis_pdf
from audits.selectors import gap as selectors
from audits.services import gap as services
from core.forms import call_action, call_service
from organisations import access as tenancy
from organisations.models import Organisation


def _analysis(request: HttpRequest, pk: int) -> GapAnalysis:
    return get_object_or_404(access.gap_analyses_for(request.user), pk=pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _writable(request: HttpRequest, pk: int) -> GapAnalysis:
    analysis = _analysis(request, pk)
    _require(
        access.can_write_gap_analysis(request.user, analysis.organisation),
        _("Only the organisation's quality managers and contributors write its gap analyses."),
    )
    return analysis


def _concludable(request: HttpRequest, pk: int) -> GapAnalysis:
    analysis = _analysis(request, pk)
    _require(
        access.can_conclude_gap_analysis(request.user, analysis.organisation),
        _("Only a quality manager of the organisation may do this."),
    )
    return analysis


def _members(organisation: Organisation) -> dict:
    memberships = (
        organisation.memberships.filter(is_active=True).select_related("user").order_by("user__full_name")
    )
    return {m.user_id: m.user for m in memberships}


def _answer_form(answer: GapAnswer, members: dict, data=None) -> GapAnswerForm:
    return GapAnswerForm(data, instance=answer, members=members, prefix=f"a{answer.pk}")


@login_required
@require_GET
def gap_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_object_or_404(tenancy.organisations_for(request.user), pk=org_pk)
    analyses = (
        access.gap_analyses_for(request.user)
        .filter(organisation=organisation)
        .prefetch_related("editions__standard")
    )
    return render(
        request,
        "audits/gap_list.html",
        {
            "organisation": organisation,
            "analyses": analyses,
            "tab": "gap",
            "can_write": access.can_write_gap_analysis(request.user, organisation),
            "can_manage": tenancy.can_manage_organisation(request.user, organisation),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def gap_start(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_object_or_404(tenancy.organisations_for(request.user), pk=org_pk)
    _require(
        access.can_write_gap_analysis(request.user, organisation),
        _("Only the organisation's quality managers and contributors write its gap analyses."),
    )
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
        request, "audits/gap_start.html", {"organisation": organisation, "form": form, "tab": "gap"}
    )


@login_required
@require_GET
def gap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    sheet = selectors.gap_sheet(analysis)
    can_write = (
        access.can_write_gap_analysis(request.user, analysis.organisation) and not analysis.is_completed
    )
    if can_write:
        members = _members(analysis.organisation)
        for row in sheet.rows:
            row.form = _answer_form(row.answer, members)
    others = (
        access.gap_analyses_for(request.user).filter(organisation=analysis.organisation).exclude(pk=pk)
    )
    return render(
        request,
        "audits/gap_detail.html",
        {
            "analysis": analysis,
            "sheet": sheet,
            "can_write": can_write,
            "can_copy": access.can_write_gap_analysis(request.user, analysis.organisation),
            "can_conclude": access.can_conclude_gap_analysis(request.user, analysis.organisation),
            "others": others,
            "today": timezone.localdate(),
            "copy_form": GapCopyForm(initial={"title": _("%(title)s (copy)") % {"title": analysis.title}}),
        },
    )


@login_required
@require_POST
def gap_answer(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    """Save one answer: in place with htmx (the row and the readiness), or by redirect without."""
    analysis = _writable(request, pk)
    answer = get_object_or_404(analysis.answers.select_related("clause"), pk=answer_pk)
    form = _answer_form(answer, _members(analysis.organisation), request.POST)
    fields = {name: form.cleaned_data[name] for name in form.Meta.fields} if form.is_valid() else {}
    saved = bool(fields) and call_service(
        form, lambda: services.gap_answer_save(actor=request.user, answer=answer, fields=fields)
    )
    if request.htmx:
        return _answer_row(request, analysis, answer.pk, form, saved)
    if saved:
        messages.success(request, _("Clause %(number)s saved.") % {"number": answer.clause.number})
        return redirect(f"{analysis.get_absolute_url()}#answer-{answer.pk}")
    row = selectors.Row(answer, [answer.clause], form=form)
    return render(request, "audits/gap_answer.html", {"analysis": analysis, "row": row, "can_write": True})


def _answer_row(
    request, analysis: GapAnalysis, answer_pk: int, form: GapAnswerForm, saved: bool
) -> HttpResponse:
    sheet = selectors.gap_sheet(analysis)
    row = sheet.row_for(answer_pk)
    row.form = _answer_form(row.answer, form.members) if saved else form
    context = {"row": row, "analysis": analysis, "sheet": sheet, "can_write": True, "saved": saved}
    return render(request, "audits/_answer_row_swap.html", context)


@login_required
@require_POST
def gap_evidence_upload(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    analysis = _writable(request, pk)
    answer = get_object_or_404(
        analysis.answers.select_related("clause", "analysis__organisation"), pk=answer_pk
    )
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid() and call_service(
        form,
        lambda: services.gap_evidence_add(
            actor=request.user, answer=answer, upload=form.cleaned_data["file"]
        ),
    ):
        messages.success(
            request, _("The file was attached to clause %(number)s.") % {"number": answer.clause.number}
        )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{analysis.get_absolute_url()}#answer-{answer.pk}")


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
    call_action(
        request,
        lambda: services.gap_evidence_remove(actor=request.user, evidence=evidence),
        _("The file %(name)s was removed from the answer.") % {"name": evidence.original_name},
    )
    return redirect(f"{analysis.get_absolute_url()}#answer-{evidence.answer_id}")


@login_required
@require_POST
def gap_complete(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _concludable(request, pk)
    services.gap_analysis_complete(actor=request.user, analysis=analysis)
    messages.success(request, _("The gap analysis is completed and now read-only."))
    return redirect(analysis)


@login_required
@require_POST
def gap_share(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _concludable(request, pk)
    form = GapShareForm(request.POST)
    form.is_valid()
    services.gap_analysis_share(actor=request.user, analysis=analysis, shared=form.cleaned_data["shared"])
    messages.success(request, _("Sharing with the certification body was updated."))
    return redirect(analysis)


@login_required
@require_POST
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
    others = (
        access.gap_analyses_for(request.user).filter(organisation=analysis.organisation).exclude(pk=pk)
    )
    editions = set(analysis.editions.values_list("pk", flat=True))
    comparable = [
        o for o in others.prefetch_related("editions") if {e.pk for e in o.editions.all()} == editions
    ]
    other = next((o for o in comparable if str(o.pk) == request.GET.get("with")), None)
    older, newer = sorted([analysis, other], key=lambda a: a.created_at) if other else (None, analysis)
    return render(
        request,
        "audits/gap_compare.html",
        {
            "analysis": analysis,
            "comparable": comparable,
            "other": other,
            "older": older,
            "newer": newer,
            "changes": selectors.gap_compare(older, newer) if other else None,
        },
    )


@login_required
@require_GET
def gap_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    response = HttpResponse(render_gap_analysis_pdf(analysis), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="gap-analysis-{analysis.pk}.pdf"'
    return response


CSV_HEADER = [
    "edition",
    "clause",
    "title",
    "shared HS key",
    "status",
    "justification",
    "evidence notes",
    "action",
    "action owner",
    "action due on",
    "action done",
    "updated by",
    "updated at",
]


@login_required
@require_GET
def gap_csv(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    sheet = selectors.gap_sheet(analysis)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="gap-analysis-{analysis.pk}-{slugify(analysis.title)}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for answer in sheet.answers:
        writer.writerow(
            [
                _csv_safe(value)
                for value in (
                    answer.clause.edition.label,
                    answer.clause.number,
                    answer.clause.title,
                    answer.hs_key,
                    answer.get_status_display(),
                    answer.justification,
                    answer.notes,
                    answer.action,
                    answer.action_owner or "",
                    answer.action_due_on or "",
                    "yes" if answer.action_done else "",
                    answer.updated_by or "",
                    answer.updated_at.isoformat() if answer.updated_at else "",
                )
            ]
        )
    return response


def _csv_safe(value: object) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
