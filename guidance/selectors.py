"""Reads for messaging: a thread's messages, unread counts (navigation, home panel, inbox).

"Unread for someone" is decided by authorship relative to the patient: the patient's unread
messages are those not written by the patient; the therapist's are those written by the patient.
So after a reassignment the new therapist is not shown the old therapist's replies as unread.
"""

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.access import therapist_caseload
from clinics.models import Enrollment
from clinics.roles import Roles
from guidance.models import CheckIn, Feedback, Message, Thread
from modules.models import ExerciseResponse

# On Message rows.
UNREAD_FOR_PATIENT = Q(read_at=None) & ~Q(author_id=F("thread__enrollment__patient_id"))
UNREAD_FOR_THERAPIST = Q(read_at=None, author_id=F("thread__enrollment__patient_id"))
# The same, on Enrollment rows (for counts annotated on enrolments).
ENROLLMENT_UNREAD_FOR_PATIENT = Q(thread__messages__read_at=None) & ~Q(thread__messages__author_id=F("patient_id"))
ENROLLMENT_UNREAD_FOR_THERAPIST = Q(thread__messages__read_at=None, thread__messages__author_id=F("patient_id"))


# --- Shared by the feedback queue, the dashboard and the patient view ------------------------------


def awaiting_feedback() -> QuerySet[ExerciseResponse]:
    """Submitted exercise responses with no feedback since their (latest) submission.

    A response submitted again after feedback (the patient changed it) is back in the queue.
    """
    given = Feedback.objects.filter(response=OuterRef("pk"), created_at__gte=OuterRef("submitted_at"))
    return ExerciseResponse.objects.filter(submitted_at__isnull=False).exclude(Exists(given))


def upcoming_checkins(now=None) -> QuerySet[CheckIn]:
    """Booked check-ins that have not ended yet, soonest first."""
    return CheckIn.objects.filter(status=CheckIn.Status.BOOKED, ends_at__gt=now or timezone.now()).order_by("starts_at")


def thread_messages(thread: Thread, *, after: Message | None = None) -> QuerySet[Message]:
    """The thread's messages, oldest first; with ``after``, only those written after it.

    Ordered by id: a message committed a moment after a later id (two people sending in the same
    millisecond) can be missed by a poll, and shows on the next page load.
    """
    messages = (
        Message.objects.filter(thread=thread)
        .select_related("author", "feedback__module", "feedback__response__exercise")  # "Feedback on: ..."
        .order_by("id")
    )
    if after is not None:
        messages = messages.filter(id__gt=after.pk)
    return messages


def patient_unread_count(enrollment: Enrollment) -> int:
    return Message.objects.filter(UNREAD_FOR_PATIENT, thread__enrollment=enrollment).count()


def home_panel_context(request, enrollment: Enrollment) -> dict | None:
    """The home page's "new messages" card: one query, nothing when all is read."""
    count = patient_unread_count(enrollment)
    return {"count": count} if count else None


def nav_items(request, roles: Roles) -> list[tuple[str, str]]:
    """ "Messages" with the unread count: for a patient, their threads (and "Check-ins" when they have
    them); for a therapist, their caseload's.
    One query; none for htmx partials, which draw no menu."""
    if getattr(request, "htmx", False):
        return []
    user = request.user
    if roles.is_therapist:
        unread = Message.objects.filter(
            UNREAD_FOR_THERAPIST,
            thread__enrollment__therapist=user,
            thread__enrollment__clinic_id__in=roles.therapist_clinic_ids,
        ).count()
        return [(_label(unread), reverse("message_inbox"))]
    if roles.is_staff:
        return []
    # One query for both items. The joins multiply rows (messages x check-ins), hence distinct counts.
    open_enrollment = Q(status__in=Enrollment.OPEN_STATUSES)
    counts = Enrollment.objects.filter(patient=user).aggregate(
        enrollments=Count("id", distinct=True),
        unread=Count("thread__messages", filter=ENROLLMENT_UNREAD_FOR_PATIENT, distinct=True),
        # "Check-ins" for sync or mixed contact, or for anyone with a booked one (a therapist can
        # book a check-in for a messages-only patient).
        bookable=Count(
            "id", filter=open_enrollment & Q(contact_mode__in=CheckIn.BOOKABLE_CONTACT_MODES), distinct=True
        ),
        booked=Count("checkins", filter=open_enrollment & Q(checkins__status=CheckIn.Status.BOOKED), distinct=True),
    )
    if not counts["enrollments"]:
        return []
    items = [(_label(counts["unread"]), reverse("patient_messages"))]
    if counts["bookable"] or counts["booked"]:
        items.append((_("Check-ins"), reverse("patient_checkins")))
    return items


def _label(unread: int) -> str:
    return _("Messages (%(count)s)") % {"count": unread} if unread else _("Messages")


def inbox_rows(user) -> QuerySet[Enrollment]:
    """The therapist's caseload with each thread's unread count and last message, unread first."""
    return (
        therapist_caseload(user)
        .select_related("patient", "clinic")
        .annotate(
            unread=Count("thread__messages", filter=ENROLLMENT_UNREAD_FOR_THERAPIST),
            last_message_at=Max("thread__messages__created_at"),
        )
        .order_by("-unread", F("last_message_at").desc(nulls_last=True), "patient__name")
    )
