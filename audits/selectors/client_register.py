"""The certification body's nonconformities as the client's action register shows them
(`improvement.registry`): read from the audit records, never copied into the register, with a
link to answer each on its finding page. Only what the client's members read of their audits:
the nonconformities of an issued report (before, the team is still agreeing them), not withdrawn."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audits import finding_rules
from audits.enums import NC_TYPES, REPORTED_STATUSES, FindingStatus
from audits.models import Finding
from audits.selectors.responses import requirement_of, with_overdue
from improvement.registry import ExternalItem, MappedRows, Section, register

SECTION_KEY = "cb_nonconformities"
OPEN_STATUSES = [s for s in FindingStatus if s not in finding_rules.NO_DEADLINE]


def cb_nonconformities(organisation_ids, filters: dict):
    """The nonconformities the CBs raised at the organisations' audits, filtered as the register."""
    findings = Finding.objects.filter(
        audit__programme__organisation__in=organisation_ids,
        audit__status__in=REPORTED_STATUSES,
        type__in=NC_TYPES,
    ).exclude(status=FindingStatus.WITHDRAWN)
    if filters.get("q"):
        findings = findings.filter(
            Q(statement__icontains=filters["q"]) | Q(requirement_reference__icontains=filters["q"])
        )
    if filters.get("status_open"):
        findings = findings.filter(status__in=OPEN_STATUSES)
    if filters.get("edition"):
        findings = findings.filter(clause__edition=filters["edition"])
    if filters.get("clause"):
        number = filters["clause"]
        findings = findings.filter(Q(clause__number=number) | Q(clause__number__startswith=f"{number}."))
    if filters.get("site"):
        findings = findings.filter(site=filters["site"])
    day = timezone.localdate()
    findings = with_overdue(findings, day)
    if filters.get("overdue"):
        findings = findings.filter(is_overdue=True)
    return findings.select_related("audit", "clause__edition__standard", "site").order_by(
        "-is_overdue", "response_due_on", "close_due_on", "-audit_id", "number"
    )


def _item(finding: Finding) -> ExternalItem:
    client_turn = finding.status in finding_rules.AWAITING_CLIENT
    return ExternalItem(
        reference=finding.reference,
        title=finding.statement.splitlines()[0][:200] if finding.statement else "",
        kind=finding.get_type_display(),
        clause=requirement_of(finding),
        site=finding.site.name if finding.site_id else "",
        status=finding.get_status_display(),
        due_on=finding.response_due_on if client_turn else finding.close_due_on,
        overdue=finding.is_overdue,
        url=reverse("audits:finding_detail", args=[finding.pk]),
    )


def provide(organisation_ids, filters: dict) -> Section | None:
    if filters.get("hidden"):
        return None
    return Section(
        key=SECTION_KEY,
        title=gettext("Nonconformities from the certification body's audits"),
        explanation=gettext(
            "Raised by the certification body at your audits and answered on each finding's page; "
            "shown here from the audit records, not copied into the register."
        ),
        rows=MappedRows(cb_nonconformities(organisation_ids, filters), _item),
    )


def connect() -> None:
    register(provide)
