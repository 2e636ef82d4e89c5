import datetime

import factory
from factory.django import DjangoModelFactory

from audits.models.programme import ProgrammeScope
from organisations.enums import CBRole, OrganisationKind, OrganisationRole, QualificationKind
from organisations.models import (
    AuditorQualification,
    CBMembership,
    CertificationBody,
    ClientEngagement,
    Organisation,
    OrganisationMembership,
    Site,
    User,
)
from standards.enums import EditionKind, EditionStatus
from standards.models import Clause, Edition, Standard

PASSWORD = "a-long-test-password"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Public body {n}")
    kind = OrganisationKind.AGENCY
    street = "Main street 1"
    postcode = "1000"
    city = "Brussels"
    country = "BE"
    headcount = 120


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    street = "Side street 2"
    city = "Ghent"
    country = "BE"
    headcount = 30


class CertificationBodyFactory(DjangoModelFactory):
    class Meta:
        model = CertificationBody

    name = factory.Sequence(lambda n: f"Certification body {n}")
    street = "CB avenue 3"
    city = "Brussels"
    country = "BE"
    accreditation_body = "BELAC"
    accreditation_number = factory.Sequence(lambda n: f"ACC-{n}")


class OrganisationMembershipFactory(DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = OrganisationRole.QUALITY_MANAGER


class CBMembershipFactory(DjangoModelFactory):
    class Meta:
        model = CBMembership

    user = factory.SubFactory(UserFactory)
    certification_body = factory.SubFactory(CertificationBodyFactory)
    role = CBRole.AUDITOR


class ClientEngagementFactory(DjangoModelFactory):
    class Meta:
        model = ClientEngagement

    certification_body = factory.SubFactory(CertificationBodyFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    since = datetime.date(2026, 1, 1)


class StandardFactory(DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ISO {90000 + n}")
    number = factory.LazyAttribute(lambda o: int(o.code.split(" ")[-1].split("-")[0]))
    slug = factory.LazyAttribute(lambda o: o.code.lower().replace(" ", "-").replace("/", "-"))
    title = "Test management systems"
    discipline = "TMS"


class EditionFactory(DjangoModelFactory):
    class Meta:
        model = Edition

    standard = factory.SubFactory(StandardFactory)
    year = 2015
    title = "Test management systems — Requirements"
    kind = EditionKind.REQUIREMENTS
    certifiable = True
    status = EditionStatus.CURRENT
    published_on = datetime.date(2015, 9, 15)


class ClauseFactory(DjangoModelFactory):
    class Meta:
        model = Clause

    edition = factory.SubFactory(EditionFactory)
    number = factory.Sequence(lambda n: f"{n + 1}")
    title = factory.Sequence(lambda n: f"Clause title {n}")
    summary = "What the clause is about."
    position = factory.Sequence(lambda n: n + 1)


class QualificationFactory(DjangoModelFactory):
    class Meta:
        model = AuditorQualification

    user = factory.SubFactory(UserFactory)
    certification_body = factory.SubFactory(CertificationBodyFactory)
    standard = factory.SubFactory(StandardFactory)
    kind = QualificationKind.AUDITOR
    valid_from = datetime.date(2025, 1, 1)
    valid_until = datetime.date(2027, 12, 31)


# The scope of a plain single-site programme (audits.services.programmes.programme_open).
PROGRAMME_SCOPE = ProgrammeScope(scope="Services", headcount=10, effective_personnel=10)
