"""Certificate numbers: allocated from the CB's pattern without gaps or duplicates.

The running number of each prefix lives in one row (`CertificateNumberSequence`), locked with
SELECT ... FOR UPDATE for the rest of the deciding transaction: two decisions recorded at the same
moment take turns, and a decision rolled back gives its number back with it.
"""

import datetime

from certificates.models import Certificate, CertificateNumberSequence
from organisations import numbers
from organisations.models import CertificationBody
from standards.models import Standard


def number_allocate(*, certification_body: CertificationBody, standard: Standard, on: datetime.date) -> str:
    """The next number of the CB's pattern. Call inside the transaction that stores it."""
    pattern = certification_body.certificate_number_pattern
    key = numbers.sequence_key(pattern, year=on.year, standard=standard.code)
    CertificateNumberSequence.objects.bulk_create(
        [CertificateNumberSequence(certification_body=certification_body, key=key)], ignore_conflicts=True
    )
    sequence = CertificateNumberSequence.objects.select_for_update().get(
        certification_body=certification_body, key=key
    )
    while True:  # a number typed into an older pattern by hand may already hold the next value
        sequence.last_value += 1
        number = numbers.certificate_number(
            pattern, year=on.year, standard=standard.code, seq=sequence.last_value
        )
        if not Certificate.objects.filter(certification_body=certification_body, number=number).exists():
            break
    sequence.save(update_fields=["last_value"])
    return number
