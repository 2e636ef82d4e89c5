"""The transition log is append-only in the database (rule 36): no UPDATE, DELETE or TRUNCATE,
whoever sends it; flush (the test runner's reset) still empties it."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from core.models import Transition
from core.transitions import transition_record
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def transition():
    site = factories.SiteFactory()
    return transition_record(subject=site, field="is_active", from_state=True, to_state=False)


def _raw(*statements: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)


def test_a_raw_update_of_a_transition_is_refused(transition):
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE core_transition SET to_state = %s WHERE id = %s", params=["True", transition.pk])
    transition.refresh_from_db()
    assert transition.to_state == "False"


def test_a_raw_delete_of_a_transition_is_refused(transition):
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("DELETE FROM core_transition WHERE id = %s", params=[transition.pk])
    assert Transition.objects.filter(pk=transition.pk).exists()


def test_a_queryset_update_or_delete_is_refused(transition):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.filter(pk=transition.pk).update(reason="Rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.filter(pk=transition.pk)._raw_delete(connection.alias)
    transition.refresh_from_db()
    assert transition.reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_of_the_log_is_refused(transition):
    with pytest.raises(IntegrityError, match="append-only"):
        # the rows' deferred foreign-key checks run first, or PostgreSQL refuses for that reason
        _raw("SET CONSTRAINTS ALL IMMEDIATE", "TRUNCATE core_transition CASCADE", params=[])
    assert Transition.objects.filter(pk=transition.pk).exists()


def test_inserting_still_works(transition):
    assert Transition.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_the_guard():
    site = factories.SiteFactory()
    transition_record(subject=site, field="is_active", from_state=True, to_state=False)
    call_command("flush", interactive=False, verbosity=0)
    assert not Transition.objects.exists()
    kept = transition_record(
        subject=factories.SiteFactory(), field="is_active", from_state=True, to_state=False
    )
    with pytest.raises(IntegrityError):
        _raw("DELETE FROM core_transition WHERE id = %s", params=[kept.pk])
