"""State changes of gap analyses. Views call these; each guards its rule first."""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.records import refuse_invalid
from core.transitions import transition_record
from improvement import access
from improvement.enums import ActionKind, ActionSource, AnswerStatus, GapAnalysisStatus
from improvement.gap_rules import NA_NEEDS_JUSTIFICATION, lacks_justification
from improvement.models import Action, EvidenceFile, GapAnalysis, GapAnswer
from improvement.services.actions import action_create
from organisations.access import require
from organisations.models import Organisation, Site, User
from standards.models import Clause, Edition


class GapAnalysisError(DomainError):
    pass


GAP_STATUSES = (AnswerStatus.PARTIAL, AnswerStatus.NONCONFORMING)


ANSWER_FIELDS = ("status", "justification", "notes")


ANSWER_KEYS = ("analysis", "clause", "updated_by")  # checked by the service itself


def _guard_writer(actor: User, organisation: Organisation) -> None:
    require(access.can_write_gap_analysis(actor, organisation), access.GAP_WRITERS_ONLY)


def _guard_open(analysis: GapAnalysis) -> None:
    if analysis.is_completed:
        raise GapAnalysisError(_("This gap analysis is completed and can no longer change. Start a copy."))


def answer_units(editions: list[Edition]) -> list[tuple[Clause, str]]:
    """What gets one answer: (clause, shared HS key or "").

    With several editions, an HS key that is assessable in two or more of them is answered once,
    on the first edition's clause; everything else is answered per clause.
    """
    clauses = list(
        Clause.objects.filter(edition__in=editions, assessable=True).order_by(
            "edition__standard__number", "edition__year", "position"
        )
    )
    editions_per_key = Counter(c.hs_key for c in clauses if c.hs_key)  # a key is unique within an edition
    shared = {key for key, count in editions_per_key.items() if count > 1}
    units, seen = [], set()
    for clause in clauses:
        if clause.hs_key in shared:
            if clause.hs_key not in seen:
                seen.add(clause.hs_key)
                units.append((clause, clause.hs_key))
        else:
            units.append((clause, ""))
    return units


@transaction.atomic
def gap_analysis_start(
    *, actor: User, organisation: Organisation, title: str, editions: list[Edition], sites: list[Site]
) -> GapAnalysis:
    _guard_writer(actor, organisation)
    if not editions:
        raise GapAnalysisError(_("Choose at least one edition."))
    if any(site.organisation_id != organisation.pk for site in sites):
        raise GapAnalysisError(_("Choose sites of this organisation only."))
    analysis = GapAnalysis(organisation=organisation, title=title, created_by=actor)
    refuse_invalid(analysis, GapAnalysisError, exclude=("organisation", "created_by", "copied_from"))
    analysis.save()
    analysis.editions.set(editions)
    analysis.sites.set(sites)
    GapAnswer.objects.bulk_create(
        GapAnswer(analysis=analysis, clause=clause, hs_key=key) for clause, key in answer_units(editions)
    )
    transition_record(
        subject=analysis, field="status", from_state=None, to_state=analysis.status, actor=actor
    )
    return analysis


@transaction.atomic
def gap_answer_save(
    *,
    actor: User,
    answer: GapAnswer,
    status: AnswerStatus = AnswerStatus.NOT_ASSESSED,
    justification: str = "",
    notes: str = "",
) -> GapAnswer:
    """Write the whole answer as given: each field left out is saved empty. Its actions are
    raised with `gap_answer_action_raise` and live in the register."""
    answer = GapAnswer.objects.select_for_update().select_related("analysis__organisation").get(pk=answer.pk)
    analysis = answer.analysis
    _guard_writer(actor, analysis.organisation)
    _guard_open(analysis)
    if lacks_justification(status, justification):
        raise GapAnalysisError(NA_NEEDS_JUSTIFICATION)
    _answer_write(actor, answer, status, justification, notes, unchanged=True)
    return answer


def _answer_write(
    actor: User, answer: GapAnswer, status: str, justification: str, notes: str, *, unchanged: bool = False
) -> bool:
    """Write one answer of an open analysis (read locked) as given, and record its status change;
    whether it changed. An answer given back as it is stays untouched unless `unchanged` (a person
    saving it again signs it)."""
    if lacks_justification(status, justification):
        raise GapAnalysisError(
            _("%(clause)s: %(rule)s") % {"clause": answer.clause.number, "rule": NA_NEEDS_JUSTIFICATION}
        )
    if (answer.status, answer.justification, answer.notes) == (
        status,
        justification,
        notes,
    ) and not unchanged:
        return False
    previous = answer.status
    answer.status, answer.justification, answer.notes = status, justification, notes
    answer.updated_by, answer.updated_at = actor, timezone.now()
    refuse_invalid(answer, GapAnalysisError, exclude=ANSWER_KEYS, fields_only=True)  # text and date bounds
    answer.save(update_fields=[*ANSWER_FIELDS, "updated_by", "updated_at"])
    if answer.status != previous:
        transition_record(
            subject=answer, field="status", from_state=previous, to_state=answer.status, actor=actor
        )
    return True


def _open_answers(actor: User, analysis: GapAnalysis, pks: Iterable[int]) -> dict[int, GapAnswer]:
    """The answers of these ids, of this analysis only, locked, after the writer's and the open
    analysis's checks."""
    analysis = GapAnalysis.objects.select_for_update().select_related("organisation").get(pk=analysis.pk)
    _guard_writer(actor, analysis.organisation)
    _guard_open(analysis)
    found = {
        answer.pk: answer
        for answer in GapAnswer.objects.select_for_update(of=("self",))
        .select_related("clause")
        .filter(analysis=analysis, pk__in=set(pks))
    }
    if missing := set(pks) - set(found):
        raise GapAnalysisError(
            _("%(n)s of the answers chosen are not in this analysis: nothing was changed.")
            % {"n": len(missing)}
        )
    return found


@transaction.atomic
def gap_answers_status_set(
    *, actor: User, analysis: GapAnalysis, answer_ids: list[int], status: AnswerStatus
) -> int:
    """Set one status on several answers at once (their justification and notes kept): all or
    none. Not applicable needs each answer's justification, written one by one. Returns how many
    changed."""
    if not answer_ids:
        raise GapAnalysisError(_("Select the clauses to answer first."))
    answers = _open_answers(actor, analysis, answer_ids)
    lacking = sorted(
        (
            answer.clause.number
            for answer in answers.values()
            if lacks_justification(status, answer.justification)
        ),
        key=str,
    )
    if lacking:
        raise GapAnalysisError(
            _("%(rule)s Justify these one by one first: %(clauses)s. Nothing was changed.")
            % {"rule": NA_NEEDS_JUSTIFICATION, "clauses": ", ".join(lacking)}
        )
    return sum(
        _answer_write(actor, answer, status, answer.justification, answer.notes)
        for _pk, answer in sorted(answers.items())
    )


@dataclass(frozen=True)
class ImportedAnswer:
    """One answer as a spreadsheet gives it back (`improvement.gap_exports.gap_xlsx_read`)."""

    answer_id: int
    status: str
    justification: str
    notes: str


@transaction.atomic
def gap_answers_import(*, actor: User, analysis: GapAnalysis, rows: list[ImportedAnswer]) -> int:
    """Write the answers a spreadsheet gives back, all or none (a row refused refuses the file).
    Returns how many changed."""
    answers = _open_answers(actor, analysis, [row.answer_id for row in rows])
    return sum(
        _answer_write(actor, answers[row.answer_id], row.status, row.justification, row.notes)
        for row in sorted(rows, key=lambda row: row.answer_id)
    )


@transaction.atomic
def gap_answer_action_raise(
    *,
    actor: User,
    answer: GapAnswer,
    title: str,
    owner: User,
    due_on: datetime.date | None = None,
    corrective_action: str = "",
) -> Action:
    """Raise an action in the register from an answer: a nonconformity for a gap (partial or not
    conforming), an opportunity for improvement otherwise. A completed analysis may raise one too:
    the analysis is read-only, but following up its gaps is what the register is for."""
    answer = GapAnswer.objects.select_related("analysis__organisation", "clause").get(pk=answer.pk)
    analysis = answer.analysis
    _guard_writer(actor, analysis.organisation)
    sites = list(analysis.sites.all()[:2])
    return action_create(
        actor=actor,
        organisation=analysis.organisation,
        source=ActionSource.GAP_ANALYSIS,
        kind=ActionKind.NONCONFORMITY if answer.status in GAP_STATUSES else ActionKind.OPPORTUNITY,
        title=title,
        owner=owner,
        due_on=due_on,
        corrective_action=corrective_action,
        description=answer.notes,
        site=sites[0] if len(sites) == 1 else None,
        clause=answer.clause,
        gap_answer=answer,
    )


@transaction.atomic
def gap_evidence_add(*, actor: User, answer: GapAnswer, upload: UploadedFile) -> EvidenceFile:
    _guard_writer(actor, answer.analysis.organisation)
    _guard_open(answer.analysis)
    return EvidenceFile.objects.create(
        answer=answer, file=upload, original_name=upload.name[:255], size=upload.size, uploaded_by=actor
    )


@transaction.atomic
def gap_evidence_remove(*, actor: User, evidence: EvidenceFile) -> EvidenceFile:
    """Hide a file from the answer; the file and its record stay (nothing is hard-deleted)."""
    _guard_writer(actor, evidence.answer.analysis.organisation)
    _guard_open(evidence.answer.analysis)
    if evidence.removed_at is None:
        evidence.removed_at = timezone.now()
        evidence.save(update_fields=["removed_at"])
        transition_record(subject=evidence, field="removed", from_state=False, to_state=True, actor=actor)
    return evidence


def _guard_conclude(actor: User, analysis: GapAnalysis) -> None:
    require(access.can_conclude_gap_analysis(actor, analysis.organisation), access.GAP_MANAGERS_ONLY)


@transaction.atomic
def gap_analysis_complete(*, actor: User, analysis: GapAnalysis) -> GapAnalysis:
    analysis = GapAnalysis.objects.select_for_update().select_related("organisation").get(pk=analysis.pk)
    _guard_conclude(actor, analysis)
    if analysis.is_completed:
        return analysis
    analysis.status, analysis.completed_at = GapAnalysisStatus.COMPLETED, timezone.now()
    analysis.save(update_fields=["status", "completed_at"])
    transition_record(
        subject=analysis,
        field="status",
        from_state=GapAnalysisStatus.IN_PROGRESS,
        to_state=analysis.status,
        actor=actor,
    )
    return analysis


@transaction.atomic
def gap_analysis_share(*, actor: User, analysis: GapAnalysis, shared: bool) -> GapAnalysis:
    analysis = GapAnalysis.objects.select_for_update().select_related("organisation").get(pk=analysis.pk)
    _guard_conclude(actor, analysis)
    if analysis.shared_with_cb != shared:
        analysis.shared_with_cb = shared
        analysis.save(update_fields=["shared_with_cb"])
        transition_record(
            subject=analysis, field="shared_with_cb", from_state=not shared, to_state=shared, actor=actor
        )
    return analysis


# The actions stay with the source's answers: they are the register's, raised from that analysis
COPIED_FIELDS = ("status", "justification", "notes")


@transaction.atomic
def gap_analysis_copy(*, actor: User, source: GapAnalysis, title: str) -> GapAnalysis:
    """A new analysis over the same editions and sites, starting from the source's answers.

    Each new answer takes the source's answer for the same unit (clause and shared key). Where the
    catalogue moved HS keys since the source started, the units differ; the new answer then takes
    the first written one (saved, or with evidence) of: the source's answer under the same key, the
    one on the same clause, the ones on clauses that carry the key today. Answers merged into one
    shared answer keep one of them; none is dropped for want of an exact match.
    """
    copy = gap_analysis_start(
        actor=actor,
        organisation=source.organisation,
        title=title,
        editions=list(source.editions.all()),
        sites=list(source.sites.all()),
    )
    copy.copied_from = source
    copy.save(update_fields=["copied_from"])
    previous = list(
        source.answers.select_related("clause")
        .prefetch_related("evidence_files")
        .order_by("clause__edition__standard__number", "clause__edition__year", "clause__position")
    )
    by_unit = {(a.clause_id, a.hs_key): a for a in previous}
    by_key = {a.hs_key: a for a in previous if a.hs_key}
    by_clause = {a.clause_id: a for a in previous}
    by_key_today: dict[str, list[GapAnswer]] = {}  # by the key each clause carries now
    for old in previous:
        if old.clause.hs_key:
            by_key_today.setdefault(old.clause.hs_key, []).append(old)

    def written(old: GapAnswer | None) -> bool:
        return old is not None and (
            old.updated_at is not None or any(f.removed_at is None for f in old.evidence_files.all())
        )

    copied, evidence = [], []
    for answer in copy.answers.select_related("clause"):
        key = answer.hs_key or answer.clause.hs_key
        candidates = [
            by_unit.get((answer.clause_id, answer.hs_key)),
            by_key.get(key),
            by_clause.get(answer.clause_id),
            *by_key_today.get(key, []),
        ]
        old = next((c for c in candidates if written(c)), None)
        if old is None:
            continue
        for name in (*COPIED_FIELDS, "updated_by_id", "updated_at"):
            setattr(answer, name, getattr(old, name))
        copied.append(answer)
        evidence += [
            EvidenceFile(
                answer=answer,
                file=f.file.name,
                original_name=f.original_name,
                size=f.size,
                uploaded_by_id=f.uploaded_by_id,
                uploaded_at=f.uploaded_at,
            )
            for f in old.evidence_files.all()
            if f.removed_at is None
        ]
    GapAnswer.objects.bulk_update(copied, [*COPIED_FIELDS, "updated_by_id", "updated_at"])
    EvidenceFile.objects.bulk_create(evidence)
    return copy
