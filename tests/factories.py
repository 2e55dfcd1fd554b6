import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Enrollment, Membership
from modules.models import Program

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
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
