"""The catalogue's pages for `manage.py benchmark`: (label, URL, persona e-mail) on the demo data."""

from django.urls import reverse

from standards.models import Edition, Standard

READER = "qm@ministry.example"


def benchmark_pages() -> list[tuple[str, str, str]]:
    standard = Standard.objects.get(code="ISO 9001")
    # The largest edition in everyday use: 123 assessable clauses with its Annex A.
    edition = Edition.objects.select_related("standard").get(standard__code="ISO/IEC 27001", year=2022)
    return [
        ("catalogue", reverse("standards:catalogue"), READER),
        ("standard (ISO 9001)", standard.get_absolute_url(), READER),
        ("edition (ISO/IEC 27001:2022)", edition.get_absolute_url(), READER),
    ]
