"""The organisation pages for `manage.py benchmark`: (label, URL, persona e-mail) on the demo data."""

from django.urls import reverse

from organisations.models import Organisation

QUALITY_MANAGER = "qm@ministry.example"
CB_MANAGER = "manager@certa.example"


def benchmark_pages() -> list[tuple[str, str, str]]:
    ministry = Organisation.objects.get(name="Ministry of Digital Affairs")
    return [
        ("organisations list", reverse("organisations:list"), CB_MANAGER),
        ("organisation detail", reverse("organisations:detail", args=[ministry.pk]), QUALITY_MANAGER),
        ("organisation sites", reverse("organisations:sites", args=[ministry.pk]), QUALITY_MANAGER),
        ("organisation members", reverse("organisations:members", args=[ministry.pk]), QUALITY_MANAGER),
        ("organisation edit form", reverse("organisations:edit", args=[ministry.pk]), QUALITY_MANAGER),
        ("site form", reverse("organisations:site_create", args=[ministry.pk]), QUALITY_MANAGER),
        ("member invite form", reverse("organisations:member_invite", args=[ministry.pk]), QUALITY_MANAGER),
        ("two-factor sign-in page", reverse("two_factor:overview"), CB_MANAGER),
    ]
