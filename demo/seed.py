"""Demo clinics, staff and patients for a first look. Idempotent: running it again changes nothing
that is already there (except the shared password, which is set to the one given)."""

import datetime
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Cohort, Consent, Enrollment, Membership
from clinics.services import PRIVACY_VERSION, TERMS_VERSION, TREATMENT_CONSENT_VERSION
from demo.admin_history import seed_admin
from demo.checkins_history import seed_checkins
from demo.feedback_history import seed_feedback
from demo.history import seed_history
from demo.messages_history import seed_messages
from demo.outcomes_history import seed_outcomes
from demo.past_cohort import seed_past_cohort
from demo.time_history import seed_time
from modules.content import load_program

PROGRAM_FOLDER = Path(__file__).resolve().parent.parent / "modules" / "content" / "living-well"
DEFAULT_PASSWORD = "steady-demo-2026"  # noqa: S105 - demo accounts only, printed for the user

CLINICS = [
    {
        "slug": "northside",
        "name": "Northside Pain Service",
        "time_zone": "Europe/London",
        "past_cohort": True,  # a finished cohort of 20, so the reports have numbers to show
        "admin": ("Priya Shah", "admin@northside.example"),
        "therapists": [
            ("Dr Sam Okafor", "sam.okafor@northside.example"),
            ("Alex Morgan", "alex.morgan@northside.example"),
        ],
        "patients": [
            ("Margaret Hill", "margaret.hill@example.com", 0, "async", 3),
            ("David Evans", "david.evans@example.com", 0, "mixed", 5),
            ("Susan Clarke", "susan.clarke@example.com", 1, "sync", 2),
            ("Peter Walsh", "peter.walsh@example.com", 1, "async", 1),
            ("Janet Brown", "janet.brown@example.com", 0, "async", 7),
        ],
    },
    {
        "slug": "lakeside",
        "name": "Lakeside Pain Clinic",
        "time_zone": "Europe/Stockholm",
        "admin": ("Erik Lind", "admin@lakeside.example"),
        "therapists": [("Dr Anna Berg", "anna.berg@lakeside.example"), ("Jonas Ek", "jonas.ek@lakeside.example")],
        "patients": [
            ("Ingrid Holm", "ingrid.holm@example.com", 0, "async", 2),
            ("Lars Nilsson", "lars.nilsson@example.com", 1, "mixed", 4),
            ("Karin Sund", "karin.sund@example.com", 0, "sync", 6),
            ("Olof Dahl", "olof.dahl@example.com", 1, "async", 1),
        ],
    },
]


def _user(email: str, name: str, password: str, time_zone: str) -> User:
    user, _ = User.objects.get_or_create(email=email, defaults={"name": name, "time_zone": time_zone})
    user.name, user.is_active = name, True
    user.set_password(password)
    user.save(update_fields=["name", "is_active", "password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _totp_secret(user: User) -> str:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    return decrypt(authenticator.data["secret"])


def _account(user: User, role: str, clinic: Clinic, totp_secret: str | None) -> dict:
    return {"email": user.email, "name": user.name, "role": role, "clinic": clinic.slug, "totp_secret": totp_secret}


@transaction.atomic
def seed_demo(*, password: str) -> list[dict]:
    program = load_program(PROGRAM_FOLDER).program
    # Cohorts start on the Monday of this week; each patient started some weeks before that, so
    # the demo shows people in week 1 as well as people far along.
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    accounts = []
    for spec in CLINICS:
        clinic, _ = Clinic.objects.get_or_create(
            slug=spec["slug"],
            # Cost per therapist hour: what the reports' cost per patient is worked out from.
            defaults={"name": spec["name"], "time_zone": spec["time_zone"], "cost_per_hour": Decimal("62.00")},
        )
        cohort, _ = Cohort.objects.get_or_create(
            clinic=clinic, name="Autumn group", defaults={"program": program, "start_date": monday}
        )
        admin_name, admin_email = spec["admin"]
        admin = _user(admin_email, admin_name, password, spec["time_zone"])
        Membership.objects.get_or_create(user=admin, clinic=clinic, role=Membership.Role.ADMIN)
        accounts.append(_account(admin, "admin", clinic, _totp_secret(admin)))
        therapists = []
        for name, email in spec["therapists"]:
            therapist = _user(email, name, password, spec["time_zone"])
            Membership.objects.get_or_create(user=therapist, clinic=clinic, role=Membership.Role.THERAPIST)
            therapists.append(therapist)
            accounts.append(_account(therapist, "therapist", clinic, _totp_secret(therapist)))
        for name, email, therapist_index, contact_mode, week in spec["patients"]:
            patient = _user(email, name, password, spec["time_zone"])
            enrollment, created = Enrollment.objects.get_or_create(
                patient=patient,
                cohort=cohort,
                defaults={
                    "clinic": clinic,
                    "program": program,
                    "therapist": therapists[therapist_index],
                    "contact_mode": contact_mode,
                    "status": Enrollment.Status.ACTIVE,
                    "start_date": monday - datetime.timedelta(weeks=week - 1),
                    "activated_at": timezone.now(),
                },
            )
            if created:
                Consent.objects.bulk_create(
                    [
                        Consent(user=patient, kind=Consent.Kind.TERMS, version=TERMS_VERSION),
                        Consent(user=patient, kind=Consent.Kind.PRIVACY, version=PRIVACY_VERSION),
                        Consent(
                            user=patient,
                            enrollment=enrollment,
                            kind=Consent.Kind.TREATMENT,
                            version=TREATMENT_CONSENT_VERSION,
                        ),
                    ]
                )
                seed_history(enrollment, weeks_in=week)
                seed_outcomes(enrollment)
                seed_messages(enrollment)
                seed_feedback(enrollment)
                seed_checkins(enrollment)
                seed_time(enrollment)
            accounts.append(_account(patient, "patient", clinic, None))
        seed_admin(cohort, admin)
        if spec.get("past_cohort"):
            seed_past_cohort(clinic, program)
    return accounts
