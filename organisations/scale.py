"""The people and bodies of the national-scale data set (`manage.py seed_scale`): two certification
bodies with their staff, qualifications and accreditation, and the public bodies they serve with
their sites and members, written in bulk (`core.scale`)."""

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Q

from core.scale import Bulk, days, moment, seeded, spread, token
from organisations.demo import DEMO_ASSETS, DEMO_IMAGES
from organisations.enums import (
    CBRole,
    ExpiryConvention,
    OrganisationKind,
    OrganisationRole,
    QualificationKind,
)
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


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(sep))


COUNTRY = "BE"  # one national data set
PUBLIC_CODES = (33, 34, 35, 36, 37, 38, 39)  # IAF codes of public services, education, health
MAX_HEADCOUNT = 9_000
HISTORY_YEARS = 8  # how far back the oldest records go


@dataclass(frozen=True)
class BodySpec:
    name: str
    pattern: str
    city: str
    share: float  # of the client organisations
    staff: dict[str, int]  # managers, leads, auditors, reviewers
    expiry: str = ExpiryConvention.SAME_DAY
    not_accredited: tuple[str, ...] = ()  # standard codes outside its accreditation (rule 34)


# The larger body serves about 1,417 of 2,000 clients; the smaller one the rest.
BODIES = (
    BodySpec(
        "Nordlys Certification",
        "NORD-{year}-{seq:5}",
        "Brussels",
        1417 / 2000,
        {"managers": 8, "leads": 30, "auditors": 60, "reviewers": 10},
    ),
    BodySpec(
        "Meridian Assurance",
        "MA/{standard}/{year}/{seq:4}",
        "Ghent",
        583 / 2000,
        {"managers": 4, "leads": 14, "auditors": 26, "reviewers": 5},
        expiry=ExpiryConvention.DAY_BEFORE,
        not_accredited=("ISO 56001", "ISO/IEC 20000-1"),
    ),
)
FIRST_NAMES = _words(
    "Anna Bart Chloé Dirk Elise Farid Greet Hugo Ines Jan Karin Lars Lotte Marc Nadia Olivier "
    "Petra Quentin Rik Sara Tom Ulla Vera Wim Yara Zeno Amira Bram Celine Daan Eva Filip Hanne "
    "Joris Lien Maarten Noor Pieter Roos Sven"
)
LAST_NAMES = _words(
    "Peeters,Janssens,Maes,Jacobs,Mertens,Willems,Claes,Goossens,Wouters,De,Smet,Dubois,Lambert,"
    "Dupont,Martin,Simon,Laurent,Leclercq,Hermans,Vermeulen,Michiels,Aerts,Desmet,Segers,Coppens,"
    "Lemmens,Van,Damme,Renard,Mathieu,Verhoeven,Pauwels,Cools,Smets,Hendrickx,Wuyts,Bosmans,Nys,"
    "Baert,Peters",
    sep=",",
)
TOWN_STARTS = _words(
    "Aal Beer Bran Dender Eek Gel Haar Hol Kort Lom Maas Meer Nieu Oost Ronse Scher Stave Tien "
    "Veur Wes Zand Zot Ber Dil Gen Has Lok Mol Tem Wet"
)
TOWN_ENDS = _words("beek berg dam dijk gem hout kerke lo mont rode sel ter velde voorde wijk zele")
STREETS = _words(
    "Kerkstraat Stationsstraat Marktplein Dorpsstraat Schoolstraat Molenweg Kapelstraat Nieuwstraat"
)
PORTFOLIOS = (
    "Health",
    "Education",
    "Finance",
    "Mobility",
    "Justice",
    "Interior",
    "Economy",
    "Environment",
    "Digital Affairs",
    "Employment",
)
KINDS = {  # kind: (share, name template)
    OrganisationKind.MUNICIPALITY: (45, "Municipality of {town}"),
    OrganisationKind.AGENCY: (15, "{town} {topic} Agency"),
    OrganisationKind.SCHOOL: (15, "{town} University College"),
    OrganisationKind.HOSPITAL: (12, "{town} General Hospital"),
    OrganisationKind.OTHER: (6, "{town} Water Board"),
    OrganisationKind.REGION: (5, "{town} Regional Authority"),
    OrganisationKind.MINISTRY: (2, "Ministry of {topic}, {town} office"),
}
SITE_NAMES = (
    "Service centre",
    "Depot",
    "Library",
    "Campus",
    "Clinic",
    "Archive",
    "Workshop",
    "Sports centre",
    "Data centre",
    "Regional office",
)


@dataclass
class Body:
    """A certification body and its staff, by what they do."""

    body: CertificationBody
    spec: BodySpec
    managers: list[User] = field(default_factory=list)
    leads: list[User] = field(default_factory=list)
    auditors: list[User] = field(default_factory=list)
    reviewers: list[User] = field(default_factory=list)


@dataclass
class Client:
    """A public body, its sites (the central function first) and the people who act for it."""

    organisation: Organisation
    sites: list[Site]
    codes: list[int]
    quality_manager: User
    viewer: User
    body: Body
    since: datetime.date
    contributor: User | None = None

    @property
    def writers(self) -> list[User]:
        """Who writes the client's own records and answers findings (quality manager, contributor)."""
        return [self.quality_manager, *([self.contributor] if self.contributor else [])]


@dataclass
class People:
    bodies: list[Body]
    clients: list[Client]


@dataclass
class Namer:
    """People's names and e-mail addresses, unique within the seed's domain."""

    rng: random.Random
    domain: str
    password: str
    today: datetime.date
    users: list[User] = field(default_factory=list)

    def user(self, local: str) -> User:
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        user = User(
            email=f"{local}@{self.domain}",
            full_name=name,
            password=self.password,
            date_joined=moment(days(self.today, -365 * HISTORY_YEARS)),
        )
        self.users.append(user)
        return user


def seed_domain(seed: int) -> str:
    return f"seed{seed}.scale.example"


def body_names(seed: int) -> list[str]:
    return [f"{spec.name} (seed {seed})" for spec in BODIES]


def unusable_password(rng: random.Random) -> str:
    """An unusable password (Django's "!" prefix), the same for the same seed."""
    return "!" + token(rng, 30)


# --- Certification bodies -------------------------------------------------------------------------


def _body(spec: BodySpec, seed: int, index: int) -> CertificationBody:
    return CertificationBody(
        name=f"{spec.name} (seed {seed})",
        street=f"{STREETS[index]} {10 + index}",
        postcode=f"{1000 + 1000 * index}",
        city=spec.city,
        country=COUNTRY,
        accreditation_body="BELAC",
        accreditation_number=f"BELAC {900 + index}-MS",
        certificate_number_pattern=spec.pattern,
        expiry_convention=spec.expiry,
    )


def _staff(namer: Namer, body: Body, slug: str) -> list[CBMembership]:
    roles = {
        "managers": (body.managers, [CBRole.CERTIFICATION_MANAGER]),
        "leads": (body.leads, [CBRole.AUDITOR]),
        "auditors": (body.auditors, [CBRole.AUDITOR]),
        "reviewers": (body.reviewers, [CBRole.REVIEWER]),
    }
    memberships = []
    for what, count in body.spec.staff.items():
        people, held = roles[what]
        for number in range(1, count + 1):
            person = namer.user(f"{what[:-1]}{number:02d}.{slug}")
            people.append(person)
            memberships += [
                CBMembership(user=person, certification_body=body.body, role=role) for role in held
            ]
    memberships.append(
        CBMembership(user=body.managers[0], certification_body=body.body, role=CBRole.CB_ADMIN)
    )
    return memberships


def _qualifications(
    body: Body, standards: list[Standard], today: datetime.date
) -> list[AuditorQualification]:
    """Auditors qualified for every certifiable standard (leads as lead auditors), managers as
    decision-makers; all for the public-service IAF codes."""
    who = [(p, QualificationKind.AUDITOR, True) for p in body.leads]
    who += [(p, QualificationKind.AUDITOR, False) for p in body.auditors]
    who += [(p, QualificationKind.DECISION_MAKER, False) for p in body.managers]
    return [
        AuditorQualification(
            user=person,
            certification_body=body.body,
            standard=standard,
            kind=kind,
            is_lead_auditor=lead,
            valid_from=days(today, -365 * (HISTORY_YEARS + 4)),
            valid_until=days(today, 365 * 4),
        )
        for person, kind, lead in who
        for standard in standards
    ]


def _scopes(body: Body, standards: list[Standard], today: datetime.date) -> list[AccreditationScope]:
    return [
        AccreditationScope(
            certification_body=body.body,
            standard=standard,
            valid_from=days(today, -365 * (HISTORY_YEARS + 4)),
        )
        for standard in standards
        if standard.code not in body.spec.not_accredited
    ]


def _with_codes(bulk: Bulk, model: type[models.Model], rows: Sequence[models.Model], column: str) -> None:
    """Every row's `iaf_codes` set to the public-service codes, in one insert."""
    through = model.iaf_codes.through
    bulk.stream(through(**{column: row.pk, "iafcode_id": code}) for row in rows for code in PUBLIC_CODES)


def _images(bodies: list[Body]) -> None:
    """Each body's logo, certification mark (rule 8 prints it) and accreditation symbol: the demo's
    pictures, stored like an upload."""
    for body in bodies:
        for name, filename in DEMO_IMAGES.items():
            content = ContentFile((Path(DEMO_ASSETS) / filename).read_bytes())
            getattr(body.body, name).save(filename, content, save=False)
    CertificationBody.objects.bulk_update([b.body for b in bodies], list(DEMO_IMAGES))


def bodies_build(bulk: Bulk, namer: Namer, standards: list[Standard], seed: int) -> list[Body]:
    bodies = [Body(_body(spec, seed, i), spec) for i, spec in enumerate(BODIES)]
    bulk.insert([b.body for b in bodies])
    memberships = [m for i, b in enumerate(bodies) for m in _staff(namer, b, f"cb{i + 1}")]
    bulk.insert(namer.users)
    namer.users = []
    bulk.insert(memberships)
    qualifications = [q for b in bodies for q in _qualifications(b, standards, namer.today)]
    bulk.insert(qualifications)
    _with_codes(bulk, AuditorQualification, qualifications, "auditorqualification_id")
    scopes = bulk.insert([s for b in bodies for s in _scopes(b, standards, namer.today)])
    _with_codes(bulk, AccreditationScope, scopes, "accreditationscope_id")
    _images(bodies)
    return bodies


# --- Client organisations ----------------------------------------------------------------------


def _town(rng: random.Random) -> str:
    return rng.choice(TOWN_STARTS) + rng.choice(TOWN_ENDS)


def _names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(kind, name, town) of each organisation; a name met twice takes a district number."""
    kinds = list(KINDS)
    weights = [KINDS[kind][0] for kind in kinds]
    seen: dict[str, int] = {}
    found = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        town = _town(rng)
        name = KINDS[kind][1].format(town=town, topic=rng.choice(PORTFOLIOS))
        seen[name] = seen.get(name, 0) + 1
        found.append((kind, name if seen[name] == 1 else f"{name} {seen[name]}", town))
    return found


def site_counts(rng: random.Random, organisations: int, sites: int) -> list[int]:
    """How many sites each organisation has: one at least, a few for most, dozens for some;
    `sites` in all."""
    extra = max(sites - organisations, 0)
    weights = [min(rng.paretovariate(1.3), 25.0) for _ in range(organisations)]
    return [1 + n for n in spread(extra, weights)]


def _address(rng: random.Random, town: str, index: int) -> dict:
    return {
        "street": f"{rng.choice(STREETS)} {1 + index * 3 + rng.randrange(3)}",
        "postcode": str(1000 + rng.randrange(8999)),
        "city": town,
        "country": COUNTRY,
    }


def _sites(rng: random.Random, organisation: Organisation, town: str, count: int) -> list[Site]:
    sites = [
        Site(
            organisation=organisation,
            name="Head office",
            headcount=rng.randrange(40, 600),
            is_central_function=True,
            **_address(rng, town, 0),
        )
    ]
    largest = max(6, min(150, MAX_HEADCOUNT // count))  # the audit-time tables end at 10,700 people
    for index in range(1, count):
        sites.append(
            Site(
                organisation=organisation,
                name=f"{SITE_NAMES[index % len(SITE_NAMES)]} {index}",
                headcount=rng.randrange(5, largest),
                **_address(rng, town, index),
            )
        )
    return sites


def _organisation(
    rng: random.Random, number: int, kind: str, name: str, town: str, seed: int
) -> Organisation:
    return Organisation(
        name=name,
        kind=kind,
        registration_number=f"S{seed}-{number:06d}",
        headcount=1,  # the sum of its sites', set when they are drawn
        **_address(rng, town, 0),
    )


def _members(client: Client) -> list[OrganisationMembership]:
    roles = [
        (client.quality_manager, OrganisationRole.QUALITY_MANAGER),
        (client.viewer, OrganisationRole.VIEWER),
    ]
    if client.contributor:
        roles.append((client.contributor, OrganisationRole.CONTRIBUTOR))
    return [
        OrganisationMembership(user=user, organisation=client.organisation, role=role) for user, role in roles
    ]


def _client(
    rng: random.Random,
    namer: Namer,
    number: int,
    spec: tuple[str, str, str],
    sites: int,
    seed: int,
    body: Body,
) -> Client:
    kind, name, town = spec
    organisation = _organisation(rng, number, kind, name, town, seed)
    places = _sites(rng, organisation, town, sites)
    organisation.headcount = sum(site.headcount for site in places)
    local = f"org{number:05d}"
    return Client(
        organisation=organisation,
        sites=places,
        codes=sorted(rng.sample(PUBLIC_CODES, rng.choice((1, 1, 2)))),
        quality_manager=namer.user(f"qm.{local}"),
        viewer=namer.user(f"viewer.{local}"),
        contributor=namer.user(f"contributor.{local}") if rng.random() < 0.5 else None,
        body=body,
        since=days(namer.today, -365 * HISTORY_YEARS + rng.randrange(300)),
    )


def _bodies_of(count: int, bodies: list[Body]) -> list[Body]:
    """Which body serves each client: the larger its share (1,417 of 2,000 by default)."""
    served = spread(count, [b.spec.share for b in bodies])
    return [body for body, n in zip(bodies, served, strict=True) for _ in range(n)]


def clients_build(
    bulk: Bulk,
    rng: random.Random,
    namer: Namer,
    bodies: list[Body],
    *,
    organisations: int,
    sites: int,
    seed: int,
) -> list[Client]:
    names = _names(rng, organisations)
    counts = site_counts(rng, organisations, sites)
    serving = _bodies_of(organisations, bodies)
    rng.shuffle(serving)
    clients = [
        _client(rng, namer, i + 1, names[i], counts[i], seed, serving[i]) for i in range(organisations)
    ]
    bulk.insert([c.organisation for c in clients])
    bulk.insert([site for c in clients for site in c.sites])
    bulk.insert(namer.users)
    bulk.insert([m for c in clients for m in _members(c)])
    through = Organisation.iaf_codes.through
    bulk.stream(
        through(organisation_id=c.organisation.pk, iafcode_id=code) for c in clients for code in c.codes
    )
    bulk.insert(
        [
            ClientEngagement(certification_body=c.body.body, organisation=c.organisation, since=c.since)
            for c in clients
        ]
    )
    return clients


def backdate(bodies: list[Body], clients: list[Client], today: datetime.date) -> None:
    """Rows whose creation time Django sets itself (`auto_now_add`) date from the start of the
    data set's history, like the rest of it: one UPDATE per table."""
    start = moment(days(today, -365 * HISTORY_YEARS))
    organisation_ids = [c.organisation.pk for c in clients]
    Organisation.objects.filter(pk__in=organisation_ids).update(created_at=start)
    OrganisationMembership.objects.filter(organisation_id__in=organisation_ids).update(created_at=start)
    CBMembership.objects.filter(certification_body__in=[b.body for b in bodies]).update(created_at=start)


def people_build(
    bulk: Bulk, *, seed: int, today: datetime.date, organisations: int, sites: int, password: str
) -> People:
    """The two bodies and their staff, then the clients with their sites, members and engagements."""
    rng = seeded(seed, "organisations")
    namer = Namer(rng, seed_domain(seed), password or unusable_password(rng), today)
    standards = list(
        Standard.objects.filter(editions__certifiable=True).distinct().order_by("number", "code")
    )
    bodies = bodies_build(bulk, namer, standards, seed)
    clients = clients_build(bulk, rng, namer, bodies, organisations=organisations, sites=sites, seed=seed)
    backdate(bodies, clients, today)
    return People(bodies, clients)


def already_seeded(seed: int) -> bool:
    """Whether this seed's data set is in the database already (its bodies or its people)."""
    return (
        CertificationBody.objects.filter(name__in=body_names(seed)).exists()
        or User.objects.filter(Q(email__iendswith="@" + seed_domain(seed))).exists()
    )
