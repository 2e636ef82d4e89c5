"""Actions raised from gap answers: they live in the one register of actions (improvement.Action),
the answer editor raises and lists them, and the readiness, filters and copies read them."""

import datetime

import pytest
from django.urls import reverse

from core.errors import NotAllowed
from core.submits import token_new
from core.transitions import transitions_of
from improvement.enums import ActionKind, ActionSource, ActionStatus, AnswerStatus
from improvement.models import Action
from improvement.selectors.gap import GapFilter, answer_shown, gap_sheet
from improvement.services import gap as services
from improvement.services.actions import ActionError

pytestmark = pytest.mark.django_db
DUE = datetime.date(2027, 3, 31)


def _answer(analysis, number="", hs_key=""):
    query = analysis.answers.filter(hs_key=hs_key)
    return query.get(clause__number=number) if number else query.get()


def _raise(world, answer, title="Survey residents", owner=None, **kwargs):
    return services.gap_answer_action_raise(
        actor=world.qm_a, answer=answer, title=title, owner=owner or world.contributor_a, **kwargs
    )


def _raise_url(answer):
    return reverse("improvement:gap_answer_action_raise", args=[answer.analysis_id, answer.pk])


def _raise_data(world, **values):
    data = {"title": "Survey residents", "owner": str(world.contributor_a.pk), "due_on": "2027-03-31"}
    return {**data, "submit_token": token_new(), **values}


# --- the service


def test_a_gap_raises_a_nonconformity_in_the_register(world, analysis):
    answer = _answer(analysis, "4.2")
    services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.PARTIAL, notes="No survey")
    action = _raise(world, answer, due_on=DUE, corrective_action="Survey every second year")
    assert (action.organisation, action.number, action.reference) == (world.org_a, 1, "A-1")
    assert (action.source, action.kind, action.status) == (
        ActionSource.GAP_ANALYSIS,
        ActionKind.NONCONFORMITY,
        ActionStatus.OPEN,
    )
    assert (action.gap_answer, action.clause, action.site) == (answer, answer.clause, None)
    assert (action.title, action.owner, action.due_on, action.created_by) == (
        "Survey residents",
        world.contributor_a,
        DUE,
        world.qm_a,
    )
    assert (action.description, action.corrective_action) == ("No survey", "Survey every second year")
    assert [(t.from_state, t.to_state) for t in transitions_of(action)] == [("", "open")]


def test_a_conforming_answer_raises_an_opportunity_and_numbers_follow(world, analysis):
    answer = _answer(analysis, "4.1")
    services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.CONFORMING)
    first, second = _raise(world, answer, "Improve"), _raise(world, answer, "Improve more")
    assert (first.kind, first.number, second.number) == (ActionKind.OPPORTUNITY, 1, 2)


def test_the_single_site_of_an_analysis_goes_to_the_action(world, integrated):
    action = _raise(world, _answer(integrated, hs_key="HS-9.2"))
    assert action.site == world.site_a


def test_owner_must_be_a_writer_of_the_organisation(world, analysis):
    for owner in (world.viewer_a, world.qm_b):
        with pytest.raises(ActionError, match="quality manager or a contributor"):
            _raise(world, _answer(analysis, "4.1"), owner=owner)
    assert not Action.objects.exists()


@pytest.mark.parametrize("persona", ["viewer_a", "auditor", "cert_manager", "qm_b"])
def test_only_the_organisations_writers_raise_actions(world, analysis, persona):
    with pytest.raises(NotAllowed):
        services.gap_answer_action_raise(
            actor=getattr(world, persona),
            answer=_answer(analysis, "4.1"),
            title="x",
            owner=world.qm_a,
        )
    assert not Action.objects.exists()


def test_a_completed_analysis_still_raises_actions(world, analysis):
    """The analysis is read-only once completed, but following up its gaps is the register's work."""
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    action = _raise(world, _answer(analysis, "4.1"))
    assert action.gap_answer.analysis == analysis


def test_a_title_on_several_lines_is_refused(world, analysis):
    with pytest.raises(ActionError):
        _raise(world, _answer(analysis, "4.1"), title="One\nTwo")


# --- what the analysis reads of them


def test_open_actions_are_those_not_yet_closed_soonest_due_first(world, analysis):
    late = _raise(world, _answer(analysis, "9.2"), "Late", due_on=datetime.date(2027, 1, 31))
    undated = _raise(world, _answer(analysis, "4.1"), "Undated")
    soon = _raise(world, _answer(analysis, "4.2"), "Soon", due_on=DUE)
    done = _raise(world, _answer(analysis, "8.3"), "Done", due_on=datetime.date(2026, 12, 1))
    Action.objects.filter(pk=done.pk).update(status=ActionStatus.DONE)  # awaiting its review: still open
    cancelled = _raise(world, _answer(analysis, "8.3"), "Cancelled")
    Action.objects.filter(pk=cancelled.pk).update(status=ActionStatus.CANCELLED)
    sheet = gap_sheet(analysis)
    assert [a.title for a in sheet.open_actions] == [done.title, late.title, soon.title, undated.title]
    shown = {a.clause.number for a in sheet.answers if answer_shown(a, GapFilter.OPEN_ACTIONS)}
    assert shown == {"4.1", "4.2", "8.3", "9.2"}
    Action.objects.filter(pk=done.pk).update(status=ActionStatus.CANCELLED)
    sheet = gap_sheet(analysis)
    assert "8.3" not in {a.clause.number for a in sheet.answers if answer_shown(a, GapFilter.OPEN_ACTIONS)}


def test_the_readiness_lists_open_actions_with_links_to_the_register(client, world, analysis):
    action = _raise(world, _answer(analysis, "4.2"), "Survey <residents>", due_on=datetime.date(2026, 1, 5))
    client.force_login(world.viewer_a)
    page = client.get(analysis.get_absolute_url()).content.decode()
    section = page.split('id="open-actions"')[1].split("</section>")[0]
    assert f'<a href="{action.get_absolute_url()}">A-1</a> Survey &lt;residents&gt;' in section
    assert "overdue" in section and "Contributor A" in section and "Open" in section


def test_a_copy_does_not_copy_the_actions(world, analysis):
    answer = _answer(analysis, "4.2")
    services.gap_answer_save(actor=world.qm_a, answer=answer, status=AnswerStatus.PARTIAL, notes="n")
    action = _raise(world, answer)
    copy = services.gap_analysis_copy(actor=world.qm_a, source=analysis, title="Round 2")
    assert Action.objects.get() == action and action.gap_answer == answer
    assert gap_sheet(copy).open_actions == [] and _answer(copy, "4.2").notes == "n"


# --- the view


def test_the_editor_lists_the_answers_actions_and_offers_the_form(client, world, analysis):
    answer = _answer(analysis, "4.2")
    action = _raise(world, answer, due_on=DUE)
    client.force_login(world.contributor_a)
    page = client.get(reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])).content.decode()
    section = page.split(f'id="actions-{answer.pk}"')[1].split("</section>")[0]
    assert f'<a href="{action.get_absolute_url()}">A-1</a> Survey residents' in section
    assert f'action="{_raise_url(answer)}"' in section and 'name="submit_token"' in section
    # owners: the quality managers and contributors only
    assert f'value="{world.qm_a.pk}"' in section and f'value="{world.viewer_a.pk}"' not in section


def test_a_reader_sees_the_actions_without_the_form(client, world, analysis):
    answer = _answer(analysis, "4.2")
    _raise(world, answer)
    client.force_login(world.viewer_a)
    page = client.get(reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])).content.decode()
    section = page.split(f'id="actions-{answer.pk}"')[1].split("</section>")[0]
    assert "Survey residents" in section and "<form" not in section


def test_raise_by_form_redirects_to_the_answer(client, world, analysis):
    answer = _answer(analysis, "4.2")
    client.force_login(world.contributor_a)
    response = client.post(_raise_url(answer), _raise_data(world))
    action = Action.objects.get()
    edit = reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])
    assert response.status_code == 302 and response.url == f"{edit}#actions-{answer.pk}"
    assert (action.title, action.owner, action.due_on, action.gap_answer, action.created_by) == (
        "Survey residents",
        world.contributor_a,
        DUE,
        answer,
        world.contributor_a,
    )


def test_raise_from_a_completed_analysis_by_form(client, world, analysis):
    services.gap_analysis_complete(actor=world.qm_a, analysis=analysis)
    answer = _answer(analysis, "4.2")
    client.force_login(world.qm_a)
    page = client.get(reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk])).content.decode()
    assert f'action="{_raise_url(answer)}"' in page
    assert client.post(_raise_url(answer), _raise_data(world)).status_code == 302
    assert Action.objects.get().gap_answer == answer


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"owner": "999999"}, "Select a valid choice."),
        ({"due_on": "1800-01-01"}, ""),
    ],
)
def test_bad_input_shows_the_form_again(client, world, analysis, values, message):
    answer = _answer(analysis, "4.2")
    client.force_login(world.qm_a)
    response = client.post(_raise_url(answer), _raise_data(world, **values))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Action.objects.exists()


def test_a_viewer_as_owner_is_not_offered_nor_accepted(client, world, analysis):
    answer = _answer(analysis, "4.2")
    client.force_login(world.qm_a)
    response = client.post(_raise_url(answer), _raise_data(world, owner=str(world.viewer_a.pk)))
    assert response.status_code == 200 and not Action.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("qm_a", 302),
        ("contributor_a", 302),
        ("viewer_a", 403),
        ("auditor", 404),
        ("cert_manager", 404),
        ("qm_b", 404),
        ("staff", 404),
    ],
)
def test_raise_permission_matrix(client, world, analysis, persona, status):
    answer = _answer(analysis, "4.2")
    client.force_login(getattr(world, persona))
    assert client.post(_raise_url(answer), _raise_data(world)).status_code == status
    assert Action.objects.exists() is (status == 302)
    assert client.get(_raise_url(answer)).status_code in (405, 404)


def test_raise_on_an_answer_of_another_analysis_is_404(client, world, analysis, qms):
    other = services.gap_analysis_start(
        actor=world.qm_b, organisation=world.org_b, title="B", editions=[qms], sites=[]
    )
    client.force_login(world.qm_a)
    url = reverse("improvement:gap_answer_action_raise", args=[analysis.pk, _answer(other, "4.1").pk])
    assert client.post(url, _raise_data(world)).status_code == 404


@pytest.mark.parametrize("actions", [1, 3])
def test_editor_query_count_does_not_grow_with_actions(
    client, world, analysis, django_assert_num_queries, actions
):
    answer = _answer(analysis, "4.2")
    for i in range(actions):
        _raise(world, answer, f"Action {i}", owner=world.qm_a if i % 2 else world.contributor_a)
    client.force_login(world.qm_a)
    with django_assert_num_queries(12):
        client.get(reverse("improvement:gap_answer_edit", args=[analysis.pk, answer.pk]))
