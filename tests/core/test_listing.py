"""`core.listing`'s helpers for lists built from plain values: a record's address and a choice's
label made once for all the rows, the same as Django makes them one by one."""

from django.urls import reverse
from django.utils import translation

from audits.enums import AuditKind
from core.listing import labels_of, path_of


def test_a_records_address_is_the_one_reverse_gives():
    audit_path = path_of("audits:audit_detail")
    for pk in (1, 42, 987_654_320, 10**12):
        assert audit_path(pk) == reverse("audits:audit_detail", args=[pk])


def test_the_labels_are_the_choices_translated_once():
    labels = labels_of(AuditKind)
    assert labels == {value: str(label) for value, label in AuditKind.choices}
    assert labels[AuditKind.STAGE1] == "Stage 1"
    assert all(type(label) is str for label in labels.values())  # not lazy: no gettext per row
    with translation.override("en"):
        assert labels_of(AuditKind)[AuditKind.SURVEILLANCE_1] == "Surveillance 1"
