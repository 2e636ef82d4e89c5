"""The action register's lifecycle (HS 10.2, DOMAIN §13.3): who may move an action, rule 42 (only
the effectiveness review closes it; not effective opens a linked new action), and the history."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import NotAllowed
from core.transitions import transitions_of
from improvement.enums import ActionKind, ActionStatus, EffectivenessResult
from improvement.models import Action
from improvement.services import actions as services
from improvement.services.actions import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(world):
    return services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source="complaint",
        title="Citizen complaint about late replies",
        owner=world.contributor_a,
        description="Replies took 40 days instead of 30.",
    )


def _done(world, action, corrective="Add a reminder to the case system."):
    action.corrective_action = corrective
    action.save(update_fields=["corrective_action"])
    return services.action_done(actor=world.contributor_a, action=action)


def _states(action) -> list[tuple[str, str]]:
    return [(t.from_state, t.to_state) for t in transitions_of(action).order_by("pk")]


def test_the_owner_who_contributes_moves_the_action_through_its_lifecycle_and_each_step_is_recorded(
    world, action
):
    services.action_start(actor=world.contributor_a, action=action)
    _done(world, action)
    services.action_review(
        actor=world.qm_a,
        action=action,
        reviewed_on=timezone.localdate(),
        result=EffectivenessResult.EFFECTIVE,
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.EFFECTIVE
    assert action.reviewed_by == world.qm_a and action.done_at is not None
    assert _states(action) == [
        ("", "open"),
        ("open", "in_progress"),
        ("in_progress", "done"),
        ("done", "effective"),
    ]


def test_starting_again_or_marking_done_again_changes_nothing(world, action):
    services.action_start(actor=world.contributor_a, action=action)
    services.action_start(actor=world.contributor_a, action=action)
    _done(world, action)
    services.action_done(actor=world.contributor_a, action=action)
    assert len(_states(action)) == 3


@pytest.mark.parametrize("persona", ["viewer_a", "qm_b", "auditor", "cert_manager", "staff"])
def test_who_is_not_a_writer_of_the_action_cannot_move_it(world, action, persona):
    with pytest.raises(NotAllowed):
        services.action_start(actor=getattr(world, persona), action=action)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_a_contributor_moves_only_the_actions_they_own(world):
    other = services.action_create(
        actor=world.qm_a, organisation=world.org_a, source="other", title="Not theirs", owner=world.qm_a
    )
    with pytest.raises(NotAllowed):
        services.action_start(actor=world.contributor_a, action=other)
    services.action_start(actor=world.qm_a, action=other)
    assert other.status == ActionStatus.IN_PROGRESS


def test_a_nonconformity_is_not_done_with_a_correction_alone(world, action):
    action.correction = "Replied to the citizen."
    action.save(update_fields=["correction"])
    with pytest.raises(ActionError, match="corrective action"):
        services.action_done(actor=world.contributor_a, action=action)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_opportunity_is_done_without_a_corrective_action(world):
    action = services.action_create(
        actor=world.qm_a,
        organisation=world.org_a,
        source="other",
        title="Publish the reply times",
        owner=world.qm_a,
        kind=ActionKind.OPPORTUNITY,
    )
    services.action_done(actor=world.qm_a, action=action)
    assert action.status == ActionStatus.DONE


# --- rule 42: the effectiveness review alone closes an action


@pytest.mark.parametrize("status", ["open", "in_progress", "cancelled"])
def test_the_review_is_refused_before_the_action_is_done(world, action, status):
    Action.objects.filter(pk=action.pk).update(status=status)
    action.refresh_from_db()
    with pytest.raises(ActionError, match="after the action is done"):
        services.action_review(
            actor=world.qm_a, action=action, reviewed_on=timezone.localdate(), result="effective"
        )
    action.refresh_from_db()
    assert action.status == status and action.reviewed_on is None


def test_the_database_refuses_a_closed_action_without_its_review(world, action):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.EFFECTIVE)


def test_only_a_quality_manager_records_the_review(world, action):
    _done(world, action)
    with pytest.raises(NotAllowed):
        services.action_review(
            actor=world.contributor_a, action=action, reviewed_on=timezone.localdate(), result="effective"
        )


def test_the_review_is_not_dated_in_the_future(world, action):
    _done(world, action)
    with pytest.raises(ActionError, match="future"):
        services.action_review(
            actor=world.qm_a,
            action=action,
            reviewed_on=timezone.localdate() + datetime.timedelta(days=1),
            result="effective",
        )


def test_the_review_is_not_dated_before_the_action_was_done(world, action):
    _done(world, action)
    with pytest.raises(ActionError, match="before the action was done"):
        services.action_review(
            actor=world.qm_a,
            action=action,
            reviewed_on=timezone.localdate() - datetime.timedelta(days=1),
            result="effective",
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_not_effective_needs_a_comment_and_an_owner_for_the_follow_up(world, action):
    _done(world, action)
    with pytest.raises(ActionError, match="not effective"):
        services.action_review(
            actor=world.qm_a,
            action=action,
            reviewed_on=timezone.localdate(),
            result="not_effective",
            follow_up_owner=world.qm_a,
        )
    with pytest.raises(ActionError, match="owner"):
        services.action_review(
            actor=world.qm_a,
            action=action,
            reviewed_on=timezone.localdate(),
            result="not_effective",
            comment="Replies are still late.",
        )
    assert Action.objects.filter(organisation=world.org_a).count() == 1


def test_not_effective_closes_the_action_and_opens_a_new_one_that_follows_it(world, qms, action):
    action.clause = qms.clauses.get(number="8.3")
    action.site = world.site_a
    action.save(update_fields=["clause", "site"])
    _done(world, action)
    due = timezone.localdate() + datetime.timedelta(days=60)

    reviewed = services.action_review(
        actor=world.qm_a,
        action=action,
        reviewed_on=timezone.localdate(),
        result=EffectivenessResult.NOT_EFFECTIVE,
        comment="Replies are still late in March.",
        follow_up_owner=world.qm_a,
        follow_up_due_on=due,
    )

    action.refresh_from_db()
    follow_up = reviewed.follow_up
    assert action.status == ActionStatus.NOT_EFFECTIVE and action.review_comment.startswith("Replies")
    assert list(action.follow_ups.all()) == [follow_up]
    assert follow_up.follows == action and follow_up.status == ActionStatus.OPEN
    assert follow_up.number == action.number + 1
    assert (follow_up.organisation, follow_up.source, follow_up.clause, follow_up.site) == (
        world.org_a,
        "complaint",
        action.clause,
        world.site_a,
    )
    assert follow_up.title == f"Follow-up of A-{action.number}: Citizen complaint about late replies"
    assert (follow_up.owner, follow_up.due_on) == (world.qm_a, due)
    assert follow_up.description == "Replies are still late in March."
    assert _states(action)[-1] == ("done", "not_effective")


def test_a_reviewed_action_is_reviewed_once(world, action):
    _done(world, action)
    services.action_review(
        actor=world.qm_a, action=action, reviewed_on=timezone.localdate(), result="effective"
    )
    with pytest.raises(ActionError):
        services.action_review(
            actor=world.qm_a, action=action, reviewed_on=timezone.localdate(), result="not_effective"
        )


# --- cancel, edit, evidence


def test_a_quality_manager_cancels_an_open_action_with_a_reason(world, action):
    with pytest.raises(ActionError, match="reason"):
        services.action_cancel(actor=world.qm_a, action=action, reason="  ")
    with pytest.raises(NotAllowed):
        services.action_cancel(actor=world.contributor_a, action=action, reason="Duplicate")
    services.action_cancel(actor=world.qm_a, action=action, reason="Duplicate of A-3")
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED and action.cancel_reason == "Duplicate of A-3"
    assert transitions_of(action).order_by("pk").last().reason == "Duplicate of A-3"


def test_a_done_action_is_not_cancelled(world, action):
    _done(world, action)
    with pytest.raises(ActionError, match="cancelled"):
        services.action_cancel(actor=world.qm_a, action=action, reason="Changed our mind")


def test_the_owner_must_be_a_quality_manager_or_a_contributor(world, action):
    with pytest.raises(ActionError, match="viewer cannot answer"):
        services.action_update(actor=world.qm_a, action=action, title="New title", owner=world.viewer_a)
    with pytest.raises(ActionError):
        services.action_update(actor=world.qm_a, action=action, title="New title", owner=world.qm_b)
    services.action_update(
        actor=world.qm_a, action=action, title=" New title ", owner=world.qm_a, root_cause="No reminder"
    )
    action.refresh_from_db()
    assert (action.title, action.owner, action.root_cause) == ("New title", world.qm_a, "No reminder")


def test_a_closed_action_is_not_edited(world, action):
    services.action_cancel(actor=world.qm_a, action=action, reason="Duplicate")
    with pytest.raises(ActionError, match="kept as it is"):
        services.action_update(actor=world.qm_a, action=action, title="Changed", owner=world.qm_a)


def test_evidence_is_added_and_removed_keeping_its_record(world, action, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evidence = services.action_file_add(
        actor=world.contributor_a, action=action, upload=SimpleUploadedFile("minutes.txt", b"minutes")
    )
    with pytest.raises(NotAllowed):
        services.action_file_remove(actor=world.viewer_a, evidence=evidence)
    services.action_file_remove(actor=world.contributor_a, evidence=evidence)
    evidence.refresh_from_db()
    assert evidence.removed_at is not None and action.evidence_files.count() == 1
    assert evidence.file.storage.exists(evidence.file.name)


def test_a_second_review_from_a_stale_copy_finds_the_first_and_opens_no_second_follow_up(world, action):
    _done(world, action)
    stale = Action.objects.get(pk=action.pk)
    services.action_review(
        actor=world.qm_a,
        action=action,
        reviewed_on=timezone.localdate(),
        result="not_effective",
        comment="Still late",
        follow_up_owner=world.qm_a,
    )
    with pytest.raises(ActionError, match="after the action is done"):
        services.action_review(
            actor=world.qm_a,
            action=stale,
            reviewed_on=timezone.localdate(),
            result="not_effective",
            comment="Still late",
            follow_up_owner=world.qm_a,
        )
    assert action.follow_ups.count() == 1
