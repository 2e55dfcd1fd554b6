"""Reads for clinic pages. Each returns everything its page needs in a fixed number of queries."""

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from clinics.models import Clinic, Cohort, Enrollment, EnrolmentImport, Invitation
from clinics.services import INVITATION_KIND
from notifications.models import Notification


def clinic_enrollments(clinic: Clinic) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(clinic=clinic)
        .select_related("patient", "therapist", "cohort")
        .order_by("-created_at", "-pk")
    )


def clinic_cohorts(clinic: Clinic) -> QuerySet[Cohort]:
    return (
        Cohort.objects.filter(clinic=clinic)
        .select_related("program")
        .annotate(open_count=Count("enrollments", filter=Q(enrollments__status__in=Enrollment.OPEN_STATUSES)))
        .order_by("-start_date", "name")
    )


def enrollment_invitations(enrollment: Enrollment) -> QuerySet[Invitation]:
    """The enrolment's invitations, newest first, each with the state of its e-mail in the outbox."""
    email = Notification.objects.filter(
        dedupe_key=Concat(Value(INVITATION_KIND + ":"), Cast(OuterRef("pk"), output_field=CharField()))
    )
    return enrollment.invitations.annotate(email_status=Subquery(email.values("status")[:1])).order_by("-created_at")


# --- staff and caseloads (clinics/views/staff.py) -------------------------------------------------


def clinic_staff(clinic: Clinic) -> QuerySet:
    """Every staff role of the clinic, active or not, with whether the person has an authenticator
    app and how many open patients they have here."""
    from allauth.mfa.models import Authenticator
    from django.db.models import Exists
    from django.db.models.functions import Coalesce

    from clinics.models import Membership

    authenticator = Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    open_patients = (
        Enrollment.objects.filter(clinic=clinic, therapist_id=OuterRef("user_id"), status__in=Enrollment.OPEN_STATUSES)
        .order_by()
        .values("therapist_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .annotate(has_mfa=Exists(authenticator), open_count=Coalesce(Subquery(open_patients), 0))
        .order_by("user__name", "user__email", "role")
    )


def clinic_staff_invitations(clinic: Clinic) -> QuerySet[Invitation]:
    """Staff invitations of the clinic that nobody has used or replaced yet (expired ones too)."""
    return (
        Invitation.objects.filter(
            clinic=clinic,
            role__in=[Invitation.Role.THERAPIST, Invitation.Role.ADMIN],
            accepted_at=None,
            revoked_at=None,
        )
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def active_therapists(clinic: Clinic) -> QuerySet:
    """Therapist roles that can take patients: active, held by someone who has signed in (an
    invitation not yet accepted looks after no one)."""
    from clinics.models import Membership

    return Membership.objects.filter(
        clinic=clinic, role=Membership.Role.THERAPIST, is_active=True, user__is_active=True
    ).order_by("user__name", "user__email")


def clinic_therapist_loads(clinic: Clinic) -> QuerySet:
    """The clinic's active therapists, each with their open patients here by status."""
    here = Q(user__caseload__clinic=clinic)
    return (
        active_therapists(clinic)
        .select_related("user")
        .annotate(
            active_count=Count("user__caseload", filter=here & Q(user__caseload__status=Enrollment.Status.ACTIVE)),
            paused_count=Count("user__caseload", filter=here & Q(user__caseload__status=Enrollment.Status.PAUSED)),
            invited_count=Count("user__caseload", filter=here & Q(user__caseload__status=Enrollment.Status.INVITED)),
        )
        .order_by("user__name", "user__email")
    )


def _without_active_therapist(clinic: Clinic) -> Q:
    return Q(therapist__isnull=True) | ~Q(therapist__in=active_therapists(clinic).values("user_id"))


def clinic_open_enrollments(clinic: Clinic, *, therapist_id: int | None = None, unassigned: bool = False):
    """The clinic's open patients, by name; for one therapist (a user id), or those without an active
    therapist of the clinic."""
    enrollments = Enrollment.objects.filter(clinic=clinic, status__in=Enrollment.OPEN_STATUSES)
    if therapist_id is not None:
        enrollments = enrollments.filter(therapist_id=therapist_id)
    elif unassigned:
        enrollments = enrollments.filter(_without_active_therapist(clinic))
    return enrollments.select_related("patient", "therapist", "cohort").order_by("patient__name", "pk")


def clinic_unassigned_count(clinic: Clinic) -> int:
    """Open patients with no therapist, or with one who no longer works at the clinic."""
    return (
        Enrollment.objects.filter(clinic=clinic, status__in=Enrollment.OPEN_STATUSES)
        .filter(_without_active_therapist(clinic))
        .count()
    )


# --- Cohorts and CSV enrolment ---------------------------------------------------------------------


def cohorts_with_counts(clinic: Clinic) -> QuerySet[Cohort]:
    """The clinic's cohorts, each with how many patients are invited, active (or paused),
    completed and withdrawn: one query however many cohorts there are."""
    status = Enrollment.Status

    def count(*statuses):
        return Count("enrollments", filter=Q(enrollments__status__in=statuses))

    return (
        Cohort.objects.filter(clinic=clinic)
        .select_related("program", "default_therapist")
        .annotate(
            invited_count=count(status.INVITED),
            active_count=count(status.ACTIVE, status.PAUSED),
            completed_count=count(status.COMPLETED),
            withdrawn_count=count(status.WITHDRAWN),
        )
        .order_by("-start_date", "name")
    )


def cohort_enrollments(cohort: Cohort) -> QuerySet[Enrollment]:
    return cohort.enrollments.select_related("patient", "therapist").order_by("patient__name", "pk")


def clinic_imports(clinic: Clinic) -> QuerySet[EnrolmentImport]:
    """The clinic's CSV imports, without their rows (names and addresses the pages do not need)."""
    return (
        EnrolmentImport.objects.filter(clinic=clinic)
        .select_related("cohort", "uploaded_by")
        .defer("rows")
        .order_by("-created_at", "-pk")
    )


def import_enrollments(enrolment_import: EnrolmentImport) -> QuerySet[Enrollment]:
    return enrolment_import.enrollments.select_related("patient", "therapist").order_by("patient__name", "pk")
