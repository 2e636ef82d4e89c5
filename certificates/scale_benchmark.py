"""The pages `manage.py benchmark --scale` measures on a national-scale data set (`manage.py
seed_scale`, or any database): who opens them is found in the data, not named, so the list fits
whatever was seeded. The larger CB's staff and the busiest records are the cases that grow: the CB
with the most certificates, its certification manager, reviewer and busiest auditor; the client
organisation with the most certificates and its quality manager; the audit with the most findings
and the gap analysis with the most answers.
"""

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, AuditProgramme, Finding, TeamAssignment
from certificates.models import CalendarSettings, Certificate
from improvement.models import GapAnalysis
from organisations.enums import CBRole, OrganisationRole
from organisations.models import CBMembership, CertificationBody, Organisation, OrganisationMembership

PUBLIC = ""
ADMIN = "benchmark-admin@isocert.example"  # made by the benchmark in its rolled-back transaction
EXPORT_BUDGET_MS = 2000.0  # a CB's whole register as a streamed download: its own budget, not the ratio


@dataclass(frozen=True)
class Cast:
    """The people and records the pages are opened for."""

    manager: str
    reviewer: str
    auditor: str
    client_qm: str
    organisation: Organisation
    audit: Audit
    programme: AuditProgramme
    certificate: Certificate
    gap: GapAnalysis | None
    gap_qm: str
    manager_feed: str


def cast() -> Cast:
    body = CertificationBody.objects.annotate(n=Count("certificates")).order_by("-n", "pk").first()
    staff = CBMembership.objects.filter(certification_body=body, is_active=True, user__is_active=True)
    manager = staff.filter(role=CBRole.CERTIFICATION_MANAGER).select_related("user").first().user
    reviewer = (staff.filter(role=CBRole.REVIEWER).select_related("user").first() or staff.first()).user
    busiest = (
        TeamAssignment.objects.filter(audit__programme__certification_body=body)
        .values("user__email")
        .annotate(n=Count("pk"))
        .order_by("-n", "user__email")
        .first()
    )
    organisation = (
        Organisation.objects.filter(certificates__certification_body=body)
        .annotate(n=Count("certificates"))
        .order_by("-n", "pk")
        .first()
    )
    qm = OrganisationMembership.objects.filter(
        organisation=organisation, role=OrganisationRole.QUALITY_MANAGER, is_active=True
    ).select_related("user")
    audit_pk = (
        Finding.objects.filter(audit__programme__certification_body=body)
        .values("audit")
        .annotate(n=Count("pk"))
        .order_by("-n", "audit")
        .first()["audit"]
    )
    audit = Audit.objects.select_related("programme").get(pk=audit_pk)
    gap = GapAnalysis.objects.annotate(n=Count("answers")).order_by("-n", "pk").first()
    gap_qm = (
        OrganisationMembership.objects.filter(
            organisation_id=gap.organisation_id, role=OrganisationRole.QUALITY_MANAGER, is_active=True
        )
        .select_related("user")
        .first()
        if gap
        else None
    )
    feed, _made = CalendarSettings.objects.get_or_create(user=manager)
    return Cast(
        manager=manager.email,
        reviewer=reviewer.email,
        auditor=busiest["user__email"] if busiest else manager.email,
        client_qm=qm.first().user.email,
        organisation=organisation,
        audit=audit,
        programme=audit.programme,
        certificate=Certificate.objects.filter(certification_body=body).exclude(number="").first(),
        gap=gap,
        gap_qm=gap_qm.user.email if gap_qm else "",
        manager_feed=feed.feed_token,
    )


def scale_pages() -> list[tuple]:
    """(label, url, persona e-mail[, budget in ms]) of every page measured at scale; "" is the
    public. A page with a budget of its own is judged by it, not by the baseline."""
    c = cast()
    org = c.organisation.pk
    certificate = reverse("certificates:certificate_detail", args=[c.certificate.pk])
    findings = reverse("audits:finding_list", args=[c.audit.pk])  # all on one page, as an audit has them
    internal = reverse("improvement:internal_programme_list", args=[org])
    month = timezone.localdate().strftime("%Y-%m")
    last = "?page=9999"  # past the last page: Django's paginator gives the last one
    next_step = reverse("certificates:programme_next_step", args=[c.programme.pk])
    pages = [
        ("dashboard (certification manager)", reverse("dashboard"), c.manager),
        ("dashboard (auditor)", reverse("dashboard"), c.auditor),
        ("dashboard (quality manager)", reverse("dashboard"), c.client_qm),
        ("what to do next (quality manager)", reverse("improvement:next_steps"), c.client_qm),
        ("programme list, first page", reverse("audits:programme_list"), c.manager),
        ("programme list, searched", reverse("audits:programme_list") + "?q=a&status=approved", c.manager),
        ("programme list, last page", reverse("audits:programme_list") + last, c.manager),
        ("client picker, typed", reverse("audits:programme_list") + "?client_q=mun", c.manager),
        ("programme detail", reverse("audits:programme_detail", args=[c.programme.pk]), c.manager),
        ("next step of a programme", next_step, c.manager),
        ("news from the CB (quality manager)", reverse("certificates:news"), c.client_qm),
        ("organisations, first page", reverse("organisations:list"), c.manager),
        ("organisations, last page", reverse("organisations:list") + last, c.manager),
        ("my audits (busiest auditor)", reverse("audits:my_audits"), c.auditor),
        ("my audits, all (busiest auditor)", reverse("audits:my_audits") + "?period=all", c.auditor),
        ("work queue, first page", reverse("calendar:queue"), c.manager),
        ("work queue, last page", reverse("calendar:queue") + last, c.manager),
        ("next steps, dashboard panel", reverse("calendar:queue_next"), c.manager),
        ("nonconformities to review", reverse("audits:nc_list"), c.reviewer),
        ("nonconformities waiting (client)", reverse("audits:nc_list"), c.client_qm),
        ("register, first page", reverse("certificates:register"), c.manager),
        ("register, filtered", reverse("certificates:register") + "?status=active", c.manager),
        ("register, last page", reverse("certificates:register") + last, c.manager),
        ("calendar month (manager)", reverse("calendar:month") + f"?month={month}", c.manager),
        ("calendar agenda (manager)", reverse("calendar:agenda"), c.manager),
        ("calendar month (client)", reverse("calendar:month") + f"?month={month}", c.client_qm),
        ("calendar agenda (client)", reverse("calendar:agenda"), c.client_qm),
        ("what is due, panels (manager)", reverse("calendar:due"), c.manager),
        ("reminders (manager)", reverse("calendar:reminders"), c.manager),
        ("audit with the most findings", reverse("audits:audit_detail", args=[c.audit.pk]), c.manager),
        ("findings of the audit with the most findings", findings, c.manager),
        ("certificate detail", certificate, c.manager),
        ("actions register (client)", reverse("improvement:action_list", args=[org]), c.client_qm),
        ("internal audit programmes (client)", internal, c.client_qm),
        ("management reviews (client)", reverse("improvement:review_list", args=[org]), c.client_qm),
        ("gap analyses (client)", reverse("improvement:gap_list", args=[org]), c.client_qm),
        ("readiness (client)", reverse("improvement:readiness", args=[org]), c.client_qm),
        ("public verification", reverse("verification:search") + f"?number={c.certificate.number}", PUBLIC),
        ("iCal feed (manager)", reverse("calendar:feed", args=[c.manager_feed]), PUBLIC),
        ("iCal feed, mine (manager)", reverse("calendar:feed", args=[c.manager_feed]) + "?mine=1", PUBLIC),
        ("register export CSV", reverse("certificates:register_csv"), c.manager, EXPORT_BUDGET_MS),
        ("register export XLSX", reverse("certificates:register_xlsx"), c.manager, EXPORT_BUDGET_MS),
        ("admin findings changelist", reverse("admin:audits_finding_changelist"), ADMIN),
    ]  # fmt: skip
    if c.gap is not None and c.gap_qm:
        gap_url = reverse("improvement:gap_detail", args=[c.gap.pk])
        pages.append(("gap analysis with the most answers", gap_url, c.gap_qm))
    return pages
