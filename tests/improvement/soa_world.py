"""Helpers of the Statement of Applicability's tests: a version with every control decided."""

from django.utils import timezone

from improvement.services import soa as services


def decide_all(soa, actor, *, excluded: tuple[str, ...] = ()) -> None:
    """Every control applicable and implemented, except the numbers in `excluded` (not applicable)."""
    for control in soa.controls.select_related("clause"):
        if control.clause.number in excluded:
            services.soa_control_save(
                actor=actor, control=control, applicable=False, justification="Not in scope"
            )
        else:
            services.soa_control_save(
                actor=actor,
                control=control,
                applicable=True,
                justification="Risk R-1",
                implementation="implemented",
                evidence="Policy P-1",
            )


def approved(organisation, edition, actor, *, shared: bool = False, excluded: tuple[str, ...] = ()):
    soa = services.soa_draft(actor=actor, organisation=organisation, edition=edition)
    decide_all(soa, actor, excluded=excluded)
    soa = services.soa_approve(
        actor=actor,
        soa=soa,
        approver_name="Dr Anna Weber",
        approver_function="Secretary-General",
        approved_on=timezone.localdate(),
    )
    if shared:
        soa = services.soa_share(actor=actor, soa=soa, shared=True)
    return soa
