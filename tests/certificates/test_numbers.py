"""Certificate numbers from the CB's pattern (certificates/services/numbers.py): one running number
per prefix, no gap and no duplicate, even when decisions are recorded at the same moment."""

import datetime
import threading
import time
from contextlib import nullcontext

import pytest
from django.db import connection, transaction

from certificates.enums import CertificateStatus
from certificates.models import Certificate, CertificateNumberSequence
from certificates.services.numbers import number_allocate
from tests import factories

DAY = datetime.date(2026, 3, 2)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def body(db):
    return factories.CertificationBodyFactory(certificate_number_pattern="{year}-{seq:5}")


@pytest.fixture
def standard(db):
    return factories.StandardFactory(code="ISO 9001")


def store(body, standard, number: str) -> Certificate:
    """A certificate holding the number, as the decision service stores it."""
    return Certificate.objects.create(
        certification_body=body,
        organisation=factories.OrganisationFactory(),
        standard=standard,
        number=number,
        status=CertificateStatus.DRAFT,
        status_since=DAY,
        original_certified_on=DAY,
    )


def allocate(body, standard, on=DAY) -> str:
    with transaction.atomic():
        return number_allocate(certification_body=body, standard=standard, on=on)


def test_numbers_follow_each_other_per_prefix(body, standard):
    assert [allocate(body, standard) for _ in range(3)] == ["2026-00001", "2026-00002", "2026-00003"]
    sequence = CertificateNumberSequence.objects.get()
    assert (sequence.certification_body, sequence.key, sequence.last_value) == (body, "2026-{seq}", 3)


def test_the_year_starts_a_new_running_number(body, standard):
    assert allocate(body, standard, DAY) == "2026-00001"
    assert allocate(body, standard, DAY) == "2026-00002"
    assert allocate(body, standard, datetime.date(2027, 1, 1)) == "2027-00001"
    assert allocate(body, standard, datetime.date(2026, 12, 31)) == "2026-00003"  # a late 2026 decision
    assert dict(CertificateNumberSequence.objects.values_list("key", "last_value")) == {
        "2026-{seq}": 3,
        "2027-{seq}": 1,
    }


def test_without_the_year_the_number_runs_on(body, standard):
    body.certificate_number_pattern = "CB-{seq:4}"
    body.save(update_fields=["certificate_number_pattern"])
    assert allocate(body, standard, DAY) == "CB-0001"
    assert allocate(body, standard, datetime.date(2027, 1, 1)) == "CB-0002"


def test_each_standard_has_its_own_number_with_the_standard_token(body, standard):
    body.certificate_number_pattern = "{standard}/{year}/{seq:3}"
    body.save(update_fields=["certificate_number_pattern"])
    isms = factories.StandardFactory(code="ISO/IEC 27001")
    assert allocate(body, standard) == "9001/2026/001"
    assert allocate(body, isms) == "27001/2026/001"
    assert allocate(body, standard) == "9001/2026/002"


def test_each_cb_has_its_own_numbers(body, standard):
    other = factories.CertificationBodyFactory(certificate_number_pattern="{year}-{seq:5}")
    assert allocate(body, standard) == "2026-00001"
    assert allocate(other, standard) == "2026-00001"  # unique across the CB (rule 9), not across CBs
    assert allocate(body, standard) == "2026-00002"


def test_a_number_typed_by_hand_is_skipped(body, standard):
    store(body, standard, "2026-00002")
    store(body, standard, "2026-00003")
    store(factories.CertificationBodyFactory(), standard, "2026-00001")  # another CB's: no clash
    assert allocate(body, standard) == "2026-00001"
    assert allocate(body, standard) == "2026-00004"
    assert CertificateNumberSequence.objects.get(certification_body=body).last_value == 4


def test_a_rolled_back_allocation_gives_its_number_back(body, standard):
    assert allocate(body, standard) == "2026-00001"
    with pytest.raises(RuntimeError), transaction.atomic():
        number = number_allocate(certification_body=body, standard=standard, on=DAY)
        assert number == "2026-00002"
        store(body, standard, number)
        raise RuntimeError("the decision failed after its number was taken")
    assert not Certificate.objects.filter(number="2026-00002").exists()
    assert allocate(body, standard) == "2026-00002"


@pytest.mark.django_db(transaction=True)
def test_a_number_rolled_back_in_its_own_transaction_is_given_back():
    body = factories.CertificationBodyFactory(certificate_number_pattern="{year}-{seq:5}")
    standard = factories.StandardFactory(code="ISO 9001")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_allocate(certification_body=body, standard=standard, on=DAY) == "2026-00001"
        raise RuntimeError("rolled back")
    assert allocate(body, standard) == "2026-00001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_are_distinct_and_consecutive():
    """Eight decisions at the same moment, each in its own transaction on its own connection.

    On PostgreSQL the sequence row is locked (SELECT ... FOR UPDATE): the first holder sleeps inside
    its transaction after allocating, and every other thread waits for its commit. SQLite has no
    row locks and a shared in-memory test database that refuses concurrent writers, so there the
    transactions take turns on a Python lock: the threads still start together and share the
    sequence, with fewer guarantees.
    """
    body = factories.CertificationBodyFactory(certificate_number_pattern="{year}-{seq:5}")
    standard = factories.StandardFactory(code="ISO 9001")
    organisation = factories.OrganisationFactory()
    threads_count = 8 if is_postgresql() else 4
    serial = nullcontext() if is_postgresql() else threading.Lock()
    barrier = threading.Barrier(threads_count)
    first_holder = threading.Lock()
    lock = threading.Lock()
    numbers: list[str] = []
    allocated_at: list[float] = []
    held_until: list[tuple[str, float]] = []  # the first holder's number, and when it stopped sleeping
    errors: list[BaseException] = []

    def decide() -> None:
        try:
            barrier.wait(timeout=30)
            with serial, transaction.atomic():
                number = number_allocate(certification_body=body, standard=standard, on=DAY)
                now = time.monotonic()
                Certificate.objects.create(
                    certification_body=body,
                    organisation=organisation,
                    standard=standard,
                    number=number,
                    status=CertificateStatus.DRAFT,
                    status_since=DAY,
                    original_certified_on=DAY,
                )
                sleeper = first_holder.acquire(blocking=False)
                if sleeper:
                    time.sleep(0.3)  # hold the row lock: the others must wait for this commit
                    held_until.append((number, time.monotonic()))
            with lock:
                numbers.append(number)
                if not sleeper:
                    allocated_at.append(now)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(numbers) == [f"2026-{n:05d}" for n in range(1, threads_count + 1)]
    assert len(set(numbers)) == threads_count
    assert CertificateNumberSequence.objects.get().last_value == threads_count
    assert Certificate.objects.filter(certification_body=body).count() == threads_count
    # The first holder allocated number 1 and slept on it; nobody could allocate before its commit
    assert len(held_until) == 1 and len(allocated_at) == threads_count - 1
    first_number, slept_until = held_until[0]
    assert first_number == "2026-00001"
    assert all(at > slept_until for at in allocated_at)
