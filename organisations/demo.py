"""Demo data for `make run`: one certification body and two public bodies. Idempotent."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from organisations.enums import CBRole, OrganisationKind, OrganisationRole, QualificationKind, SiteKind
from organisations.independence import require_independent
from organisations.models import (
    AccreditationScope,
    AuditorQualification,
    CBMembership,
    CertificationBody,
    ClientEngagement,
    Organisation,
    OrganisationMembership,
    Site,
    User,
)
from standards.models import Standard

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for local demos; the command refuses production


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    what: str


CB_STAFF = [
    ("auditor@certa.example", "Amélie Dubois", [CBRole.AUDITOR], "auditor"),
    ("lead@certa.example", "Lars Jensen", [CBRole.AUDITOR], "lead auditor"),
    ("reviewer@certa.example", "Hannah Weber", [CBRole.REVIEWER], "technical reviewer"),
    (
        "manager@certa.example",
        "Maria Rossi",
        [CBRole.CERTIFICATION_MANAGER, CBRole.CB_ADMIN],
        "certification manager and CB administrator",
    ),
]
DEMO_ASSETS = Path(__file__).resolve().parent / "demo_assets"
DEMO_IMAGES = {
    "logo": "certa-logo.png",
    "certification_mark": "certa-mark.png",
    "accreditation_symbol": "accreditation-symbol.png",
}
# (standard code, kind, lead auditor, IAF codes) per CB staff e-mail
QUALIFICATIONS = {
    "lead@certa.example": [
        ("ISO 9001", QualificationKind.AUDITOR, True, [33, 36, 37, 38]),
        ("ISO 14001", QualificationKind.AUDITOR, True, [36, 37, 38]),
        ("ISO 45001", QualificationKind.AUDITOR, False, [36, 38]),
    ],
    "auditor@certa.example": [
        ("ISO 9001", QualificationKind.AUDITOR, False, [36, 37]),
        ("ISO/IEC 27001", QualificationKind.AUDITOR, False, [33, 36]),
    ],
    "reviewer@certa.example": [],
    "manager@certa.example": [
        (code, QualificationKind.DECISION_MAKER, False, [33, 36, 37, 38])
        for code in ("ISO 9001", "ISO 14001", "ISO 45001", "ISO/IEC 27001")
    ],
}
ORGANISATIONS = [
    {
        "name": "Ministry of Digital Affairs",
        "kind": OrganisationKind.MINISTRY,
        "registration_number": "BE0201.555.101",
        "street": "Rue de la Loi 51",
        "postcode": "1040",
        "city": "Brussels",
        "country": "BE",
        "headcount": 420,
        "iaf_codes": [33, 36],
        "sites": [
            ("Headquarters", "Rue de la Loi 51", "1040", "Brussels", 300, True, SiteKind.PERMANENT),
            ("Data centre", "Chaussée de Louvain 12", "5000", "Namur", 60, False, SiteKind.PERMANENT),
            (
                "Regional office Liège",
                "Place Saint-Lambert 8",
                "4000",
                "Liège",
                60,
                False,
                SiteKind.PERMANENT,
            ),
        ],
        "people": [
            ("qm@ministry.example", "Sofia Martens", OrganisationRole.QUALITY_MANAGER),
            ("contributor@ministry.example", "Pieter Claes", OrganisationRole.CONTRIBUTOR),
            ("audit@ministry.example", "Lena Jacobs", OrganisationRole.CONTRIBUTOR),
            ("viewer@ministry.example", "Tom Peeters", OrganisationRole.VIEWER),
        ],
    },
    {
        "name": "Northfield Municipality",
        "kind": OrganisationKind.MUNICIPALITY,
        "registration_number": "NL-GM0999",
        "street": "Stadhuisplein 1",
        "postcode": "9711 AA",
        "city": "Groningen",
        "country": "NL",
        "headcount": 850,
        "iaf_codes": [36, 37],
        "sites": [
            ("Town hall", "Stadhuisplein 1", "9711 AA", "Groningen", 520, True, SiteKind.PERMANENT),
            ("Public works depot", "Havenweg 40", "9713 AB", "Groningen", 180, False, SiteKind.PERMANENT),
            ("Road works 2026", "Ringweg Oost", "9723 AA", "Groningen", 25, False, SiteKind.TEMPORARY),
        ],
        "people": [
            ("qm@northfield.example", "Jonas Berg", OrganisationRole.QUALITY_MANAGER),
            ("viewer@northfield.example", "Eva de Vries", OrganisationRole.VIEWER),
        ],
    },
]


def _user(email: str, name: str, logins: list[DemoLogin], what: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, **extra)
    logins.append(DemoLogin(email, name, what))
    return user


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    """Create the demo records that do not exist yet; return the logins to print."""
    logins: list[DemoLogin] = []
    _user(
        "admin@isocert.example",
        "Platform Administrator",
        logins,
        "administrator (Django admin)",
        is_staff=True,
        is_superuser=True,
    )
    cb = _certification_body(logins)
    for spec in ORGANISATIONS:
        organisation = _organisation(spec, logins)
        require_independent(certification_body=cb, organisation=organisation)
        ClientEngagement.objects.get_or_create(
            certification_body=cb,
            organisation=organisation,
            ended_on=None,
            defaults={"since": datetime.date(2026, 1, 15)},
        )
    return logins


def _certification_body(logins: list[DemoLogin]) -> CertificationBody:
    cb, _ = CertificationBody.objects.get_or_create(
        name="Certa Europe Certification",
        defaults={
            "street": "Avenue Louise 250",
            "postcode": "1050",
            "city": "Brussels",
            "country": "BE",
            "accreditation_body": "BELAC",
            "accreditation_number": "BELAC 999-MS (demo)",
            "certificate_number_pattern": "CERTA-{year}-{seq:5}",
        },
    )
    _images(cb)
    standards = {standard.code: standard for standard in Standard.objects.all()}
    for code in ("ISO 9001", "ISO 14001", "ISO 45001", "ISO/IEC 27001"):
        scope, created = AccreditationScope.objects.get_or_create(
            certification_body=cb, standard=standards[code], valid_from=datetime.date(2024, 1, 1)
        )
        if created:
            scope.iaf_codes.set([33, 35, 36, 37, 38, 39])
    for email, name, roles, what in CB_STAFF:
        user = _user(email, name, logins, f"{cb.name}: {what}")
        for role in roles:
            CBMembership.objects.get_or_create(user=user, certification_body=cb, role=role)
        for code, kind, lead, iaf_codes in QUALIFICATIONS[email]:
            qualification, created = AuditorQualification.objects.get_or_create(
                user=user,
                certification_body=cb,
                standard=standards[code],
                kind=kind,
                defaults={
                    "is_lead_auditor": lead,
                    "valid_from": datetime.date(2025, 1, 1),
                    "valid_until": datetime.date(2028, 12, 31),
                },
            )
            if created:
                qualification.iaf_codes.set(iaf_codes)
    return cb


def _images(cb: CertificationBody) -> None:
    """The demo CB's logo, certification mark, accreditation symbol and signatory (printed on
    certificates)."""
    changed = []
    for field, name in DEMO_IMAGES.items():
        if not getattr(cb, field):
            getattr(cb, field).save(name, ContentFile((DEMO_ASSETS / name).read_bytes()), save=False)
            changed.append(field)
    if not cb.signatory_name:  # who signs its certificates (the demo prints no signature image)
        cb.signatory_name, cb.signatory_function = "Maria Rossi", "Certification manager"
        changed += ["signatory_name", "signatory_function"]
    if changed:
        cb.save(update_fields=changed)


def _organisation(spec: dict, logins: list[DemoLogin]) -> Organisation:
    fields = {k: v for k, v in spec.items() if k not in {"name", "iaf_codes", "sites", "people"}}
    organisation, created = Organisation.objects.get_or_create(name=spec["name"], defaults=fields)
    if created:
        organisation.iaf_codes.set(spec["iaf_codes"])
    for name, street, postcode, city, headcount, central, kind in spec["sites"]:
        Site.objects.get_or_create(
            organisation=organisation,
            name=name,
            defaults={
                "street": street,
                "postcode": postcode,
                "city": city,
                "country": spec["country"],
                "headcount": headcount,
                "is_central_function": central,
                "kind": kind,
            },
        )
    for email, name, role in spec["people"]:
        user = _user(email, name, logins, f"{organisation.name}: {role.label.lower()}")
        OrganisationMembership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
    return organisation
