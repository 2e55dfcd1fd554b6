import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Enrollment, Membership
from modules.models import Program

# Names, e-mail addresses and the password carry markers that must never reach a log (tests/log_hygiene.py).
PASSWORD = "correct horse sentinelpass staple"  # noqa: S105 - test accounts only


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"sentinelmail{n}@example.com")
    name = factory.Sequence(lambda n: f"Sentinelname Person {n}")
    time_zone = "Europe/London"
    language = "en"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("slug", "version")

    slug = "living-well"
    version = 1
    title = "Living well with chronic pain"
    weeks = 9


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Membership.Role.THERAPIST


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    clinic = factory.SubFactory(ClinicFactory)
    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    patient = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)
    clinic = factory.SelfAttribute("cohort.clinic")
    program = factory.SelfAttribute("cohort.program")
    therapist = None
    contact_mode = Enrollment.ContactMode.ASYNC
    status = Enrollment.Status.ACTIVE
    start_date = factory.SelfAttribute("cohort.start_date")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "modules.Module"

    program = factory.SubFactory(ProgramFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    summary = "A short module."
    minutes = 15
    optional = False


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "modules.Page"

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"page-{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "Some **plain** words.\n\n- one\n- two"


def make_program(weeks=9, pages=3, optional=2, program=None):
    """A program with ``weeks`` core modules (``pages`` pages each) and ``optional`` extra modules."""
    program = program or ProgramFactory(weeks=weeks)
    for position in range(1, weeks + optional + 1):
        module = ModuleFactory(
            program=program, slug=f"m{position}", position=position, title=f"Module {position}",
            optional=position > weeks,
        )  # fmt: skip
        for number in range(1, pages + 1):
            PageFactory(module=module, slug=f"p{number}", position=number, title=f"M{position} page {number}")
    return program
