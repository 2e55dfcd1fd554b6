"""Demo feedback: the therapist has answered a patient's earlier work, and the latest waits in "To review".

Feedback goes through the real service (message, Feedback row, time entry, plan), then is dated
the day after each submission, as if written then. Running it again adds nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from clinics.models import Enrollment
from guidance import feedback as service
from guidance.models import Feedback, FeedbackTemplate, Message, TimeEntry
from modules.models import ExerciseResponse

BODY = (
    "Hello {first_name},\n\n"
    "Thank you for sending “{exercise_title}”. I can see you gave it real thought.\n\n"
    "What you wrote shows the skill of this module in action. Keep going with small, steady steps.\n\n"
    "This week, try one small thing from “{module_title}” on a day you expect to be hard, and tell me how it went.\n\n"
    "{therapist_name}"
)
PERSONAL = (
    "Thanks for this week",
    "Hello {first_name},\n\nThank you for your work on “{exercise_title}”.\n\n{therapist_name}",
)
SHARED = (
    "Welcome to the programme",
    "Hello {first_name},\n\nWelcome. I will read your work each week and write back. "
    "Messages are not for emergencies: if you need help urgently, use the numbers on your home page.\n\n"
    "{therapist_name}",
)


def seed_feedback(enrollment: Enrollment) -> int:
    """Feedback on every submitted response except those of the latest module worked on; returns how
    many were added. Also one personal and one clinic-wide template."""
    therapist = enrollment.therapist
    if therapist is None or not enrollment.is_open:
        return 0
    _templates(enrollment)
    responses = list(
        ExerciseResponse.objects.filter(enrollment=enrollment, submitted_at__isnull=False)
        .select_related("exercise__module")
        .order_by("exercise__module__position", "submitted_at")
    )
    if not responses:
        return 0
    latest_module = responses[-1].exercise.module_id
    added = 0
    for response in responses:
        if response.exercise.module_id == latest_module or response.feedback.exists():
            continue
        _give(enrollment, response)
        added += 1
    return added


def _give(enrollment: Enrollment, response: ExerciseResponse) -> None:
    module, exercise = response.exercise.module, response.exercise
    values = service.placeholder_values(
        enrollment=enrollment, therapist=enrollment.therapist, module=module, exercise=exercise
    )
    with transaction.atomic():
        feedback = service.feedback_give(
            enrollment=enrollment,
            module=module,
            response=response,
            author=enrollment.therapist,
            body=service.fill_placeholders(BODY, values),
            basis=service.response_basis(response, []),
        )
        when = min(response.submitted_at + datetime.timedelta(days=1), timezone.now())
        Feedback.objects.filter(pk=feedback.pk).update(created_at=when)
        Message.objects.filter(pk=feedback.message_id).update(created_at=when, read_at=when)
        TimeEntry.objects.filter(source=f"guidance.feedback:{feedback.pk}").update(at=when)


def _templates(enrollment: Enrollment) -> None:
    title, body = PERSONAL
    FeedbackTemplate.objects.get_or_create(
        clinic=enrollment.clinic, owner=enrollment.therapist, title=title, defaults={"body": body}
    )
    title, body = SHARED
    FeedbackTemplate.objects.get_or_create(clinic=enrollment.clinic, owner=None, title=title, defaults={"body": body})
