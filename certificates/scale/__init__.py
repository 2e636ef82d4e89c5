"""The national-scale data set (`manage.py seed_scale`): what each certificate's life was, and the
certification decisions, certificates, revisions, numbers and work-queue tasks it left, written in
bulk as `certificates.services` would have left them. The seed runs the apps in the order of their
imports (docs/architecture.md): the people (`organisations.scale`), the clients' own gap analyses
(`improvement.scale`), the programmes with their audits (`audits.scale`, told by each certificate's
`stories.Story` what it needs of them), then the certificates and what they left (`issues`).

Every status of `CertificateStatus` is there: a draft waiting to be issued, active certificates in
their first or second cycle, suspended ones (some past their deadline, with the task rule 14
opens), withdrawn, expired (no recertification), cancelled (at the client's request, or a draft
never issued). A few active ones missed their first surveillance (the task rule 10 opens).
"""

import datetime
from dataclasses import dataclass

from audits.scale import catalogue_read, programmes_build
from certificates.models import Certificate
from certificates.scale.issues import certificates_build
from certificates.scale.stories import plans_make
from certificates.services.due_dates import certificate_dues_refresh
from certificates.services.steps import cycle_steps_refresh
from core.scale import Bulk, seeded
from improvement.scale import gap_analyses_build
from organisations.scale import people_build


@dataclass(frozen=True)
class Sizes:
    organisations: int = 2_000
    sites: int = 14_000
    certificates: int = 6_000
    audits: int = 22_000
    findings: int = 100_000
    responses: int = 28_000
    gap_analyses: int = 1_000
    gap_answers: int = 150_000
    big_audit: int = 120


def seed_scale(bulk: Bulk, *, seed: int, today: datetime.date, sizes: Sizes, password: str) -> None:
    """Every app's rows, in the order of their imports, in the caller's transaction."""
    people = people_build(
        bulk, seed=seed, today=today, organisations=sizes.organisations, sites=sizes.sites, password=password
    )
    bulk.progress(
        f"{len(people.clients)} organisations with their sites and members, {len(people.bodies)} bodies"
    )
    gap_analyses_build(
        bulk, people.clients, seed=seed, today=today, analyses=sizes.gap_analyses, answers=sizes.gap_answers
    )
    rng = seeded(seed, "certificates-plan")
    stories, prospects = plans_make(
        rng, people.clients, people.bodies, certificates=sizes.certificates, audits=sizes.audits, today=today
    )
    placed = sum(len(story.plan.editions) for story in stories)
    if placed < sizes.certificates:
        bulk.progress(f"only {placed} certificates fit: each client holds one per standard (7 standards)")
    catalogue = catalogue_read()
    cycles = programmes_build(
        bulk,
        [s.plan for s in stories] + prospects,
        catalogue=catalogue,
        seed=seed,
        today=today,
        findings=sizes.findings,
        responses=sizes.responses,
        big=sizes.big_audit,
    )
    certificates_build(bulk, stories, cycles, seed=seed, today=today)
    stored = certificate_dues_refresh(certificates=Certificate.objects.all(), reason="seed")
    bulk.progress(f"{len(stored.created)} certificate due dates stored")
    steps = cycle_steps_refresh(organisations=None, reason="seed")
    bulk.progress(f"{len(steps.created)} cycle steps stored")
