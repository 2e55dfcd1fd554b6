"""The only way views reach patient data.

Each function returns what the user may see, or raises Http404: an object outside the user's scope
is answered exactly like one that does not exist ("to prevent information leakage", as pretix puts
it). Conditions are one per line so coverage shows each branch is tested.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from clinics.models import Clinic, Enrollment
from clinics.roles import user_roles


def patient_enrollments(user) -> QuerySet[Enrollment]:
    """The enrolments in which the user is the patient."""
    if not user.is_authenticated or not user.is_active:
        return Enrollment.objects.none()
    return Enrollment.objects.filter(patient=user)


def staff_enrollments(user) -> QuerySet[Enrollment]:
    """Enrolments a staff member may see: their own caseload in clinics where they are an active
    therapist, and every enrolment of clinics they administer."""
    roles = user_roles(user)
    if not roles.is_therapist and not roles.is_clinic_admin:
        return Enrollment.objects.none()
    return Enrollment.objects.filter(
        Q(therapist=user, clinic_id__in=roles.therapist_clinic_ids) | Q(clinic_id__in=roles.admin_clinic_ids)
    )


def therapist_caseload(user) -> QuerySet[Enrollment]:
    roles = user_roles(user)
    return Enrollment.objects.filter(therapist=user, clinic_id__in=roles.therapist_clinic_ids)


def admin_clinics(user) -> QuerySet[Clinic]:
    return Clinic.objects.filter(id__in=user_roles(user).admin_clinic_ids)


def access_enrollment_as_staff(user, code) -> Enrollment:
    try:
        return (
            staff_enrollments(user).select_related("patient", "therapist", "clinic", "cohort", "program").get(code=code)
        )
    except Enrollment.DoesNotExist:
        raise Http404("No such enrolment.") from None


def access_current_enrollment(user) -> Enrollment | None:
    """The patient's own enrolment to show on their home: the newest open one, else the newest."""
    enrollments = patient_enrollments(user).select_related("therapist", "clinic", "program", "cohort")
    current = enrollments.filter(status__in=Enrollment.OPEN_STATUSES).order_by("-created_at").first()
    return current or enrollments.order_by("-created_at").first()


def access_clinic_as_admin(user, slug: str) -> Clinic:
    try:
        return admin_clinics(user).get(slug=slug)
    except Clinic.DoesNotExist:
        raise Http404("No such clinic.") from None
