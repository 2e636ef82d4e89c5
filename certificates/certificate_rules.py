"""The certificate's rules as pure functions over plain values (DOMAIN.md §1.4–1.11, §6, rules 4–9,
12–16, 30, 34), tested without a database. Cycle dates come from `audits.cycle`, their one home.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from audits import cycle
from certificates.enums import CertificateStatus as S
from certificates.enums import DecisionKind as K
from core.bounds import clamped_add

# Rule 15: withdrawn and cancelled never come back; expired comes back only by a restoration.
MOVES = {
    S.DRAFT: {S.ACTIVE, S.CANCELLED},
    S.ACTIVE: {S.SUSPENDED, S.WITHDRAWN, S.CANCELLED, S.EXPIRED},
    S.SUSPENDED: {S.ACTIVE, S.WITHDRAWN, S.CANCELLED, S.EXPIRED},
    S.EXPIRED: {S.ACTIVE},
    S.WITHDRAWN: set(),
    S.CANCELLED: set(),
}

# What the certificate must be in for each kind of decision to apply to it
APPLIES_TO = {
    K.RECERTIFICATION: (S.ACTIVE,),
    K.SCOPE_EXTENSION: (S.ACTIVE,),
    K.SCOPE_REDUCTION: (S.ACTIVE, S.SUSPENDED),
    K.RESTORATION: (S.EXPIRED,),
    K.TRANSITION: (S.ACTIVE,),
}


def move_refusal(source: str, target: str) -> str | None:
    if target in MOVES.get(source, set()):
        return None
    if source in (S.WITHDRAWN, S.CANCELLED):
        return _(
            "A %(status)s certificate cannot become valid again: a new certification needs a new initial "
            "audit, stage 1 and stage 2 (rule 15)."
        ) % {"status": S(source).label.lower()}
    return _("A certificate cannot go from %(source)s to %(target)s.") % {
        "source": S(source).label.lower(),
        "target": S(target).label.lower(),
    }


def expiry_for(
    kind: str,
    *,
    decided_on: datetime.date,
    day_before: bool = False,
    previous_expiry: datetime.date | None = None,
    incoming_expiry: datetime.date | None = None,
) -> datetime.date:
    """The expiry date a decision gives the certificate (rules 7, 13, 30).

    Initial: decision + 3 years (− 1 day by the CB's convention). Recertification before expiry
    and restoration keep the anniversary: the previous expiry + 3 years. Scope changes and an
    edition transition keep the expiry. A transfer keeps the incoming cycle's expiry.
    """
    if kind == K.INITIAL:
        return cycle.expiry_date(decided_on, day_before=day_before)
    if kind == K.TRANSFER:
        if incoming_expiry is None:
            raise ValueError("A transfer keeps the incoming certificate's expiry date.")
        return incoming_expiry
    if previous_expiry is None:
        raise ValueError("This decision revises a certificate that has an expiry date.")
    if kind in (K.RECERTIFICATION, K.RESTORATION):
        return clamped_add(previous_expiry, relativedelta(years=cycle.CYCLE_YEARS))
    return previous_expiry


def cycle_start_for(
    kind: str, *, decided_on: datetime.date, previous_start: datetime.date | None
) -> datetime.date:
    """The start of the cycle a revision belongs to: a new one on certification and
    recertification, the same one on every other decision."""
    if kind in (K.INITIAL, K.RECERTIFICATION, K.RESTORATION) or previous_start is None:
        return decided_on
    return previous_start


def restoration_refusal(
    *, expiry_on: datetime.date, decided_on: datetime.date, stage2_after_expiry: bool
) -> str | None:
    """Rule 13: restored within 183 days after expiry; after that only on a stage 2 audit done
    after the expiry."""
    deadline = cycle.restoration_deadline(expiry_on)
    if decided_on <= deadline or stage2_after_expiry:
        return None
    return _(
        "The certificate expired on %(expiry)s: restoration without a new stage 2 audit was possible until "
        "%(deadline)s (rule 13). Complete a stage 2 audit first."
    ) % {"expiry": expiry_on, "deadline": deadline}


@dataclass(frozen=True)
class MajorNC:
    label: str
    url: str
    verified_on: datetime.date | None


def six_month_blockers(
    *, stage2_ends_on: datetime.date, majors: Iterable[MajorNC], decided_on: datetime.date, days: int
) -> list[MajorNC]:
    """Rule 5: the stage 2 majors not verified within `days` (183) after stage 2's last day, as the
    decision date sees them; they require a new stage 2 before an initial certification."""
    limit = stage2_ends_on + datetime.timedelta(days=days)
    if decided_on <= limit:
        return [m for m in majors if m.verified_on is not None and m.verified_on > limit]
    return [m for m in majors if m.verified_on is None or m.verified_on > limit]


@dataclass(frozen=True)
class Content:
    """What rule 8 looks at on a revision about to be issued."""

    holder: str
    holder_address: str
    sites: tuple[tuple[str, str], ...]  # (name, address)
    scope: str
    standard: str
    edition_year: int | None
    effective_on: datetime.date | None
    expiry_on: datetime.date | None
    number: str
    cb_name: str
    cb_address: str
    cb_mark: bool
    is_isms: bool
    soa_version: str


def missing_content(content: Content) -> list[str]:
    """Rule 8: what keeps a certificate from becoming active, one sentence each."""
    missing = []
    if not content.holder.strip() or not content.holder_address.strip():
        missing.append(_("the client's name and address"))
    if not content.sites:
        missing.append(_("at least one site in scope"))
    missing += [
        _("the address of the site %(site)s") % {"site": name}
        for name, address in content.sites
        if not address.strip()
    ]
    if not content.scope.strip():
        missing.append(_("the scope text"))
    if not content.standard or not content.edition_year:
        missing.append(_("the standard with its edition"))
    if content.effective_on is None or content.expiry_on is None:
        missing.append(_("the effective and expiry dates"))
    if not content.number.strip():
        missing.append(_("the certificate number"))
    if not content.cb_name.strip() or not content.cb_address.strip():
        missing.append(_("the certification body's name and address"))
    if not content.cb_mark:
        missing.append(_("the certification body's mark (upload it in the body's settings)"))
    if content.is_isms and not content.soa_version.strip():
        missing.append(_("the version of the Statement of Applicability (ISMS)"))
    return missing


def accreditation_covers(
    *,
    scopes: Iterable[tuple[datetime.date, datetime.date | None, frozenset[int]]],
    codes: frozenset[int],
    on: datetime.date,
) -> bool:
    """Rule 34: one of the CB's accreditation scopes for the standard is valid on the issue date
    and covers every IAF code of the certificate."""
    return any(
        valid_from <= on and (valid_until is None or on <= valid_until) and codes <= covered
        for valid_from, valid_until, covered in scopes
    )


def suspension_deadline_refusal(*, ends_on: datetime.date, today: datetime.date, max_days: int) -> str | None:
    """Rule 14: a suspension's resolution deadline lies after today and within the CB's limit."""
    latest = today + datetime.timedelta(days=max_days)
    if today < ends_on <= latest:
        return None
    return _("The resolution deadline must fall after today and no later than %(latest)s.") % {
        "latest": latest
    }
