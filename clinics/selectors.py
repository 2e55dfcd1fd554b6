"""Reads for clinic pages. Each returns everything its page needs in a fixed number of queries."""

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from clinics.models import Clinic, Cohort, Enrollment, Invitation
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
