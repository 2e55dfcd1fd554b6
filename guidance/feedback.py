"""Weekly feedback: the "To review" queue, writing feedback, templates and the built-in starter set.

Feedback is a message in the thread (``message_send``) plus a ``Feedback`` row tying it to the
module and, usually, to the submitted exercise response it answers. Giving it also records the
therapist's time and tells the patient's plan (modules.plans) that the module has had feedback, which
opens the next module in programmes that wait for feedback.
"""

import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.access import access_enrollment_as_staff, therapist_caseload
from clinics.models import Enrollment
from clinics.roles import Roles, user_roles
from clinics.services import audit_log
from guidance.ledger import time_entry_record
from guidance.models import Feedback, FeedbackTemplate, Thread, TimeEntry
from guidance.selectors import awaiting_feedback
from guidance.services import message_send, thread_ensure
from modules.exercise_notes import ExerciseNote
from modules.models import Exercise, ExerciseResponse, Module, PlannedModule, Program
from modules.plans import plan_feedback_given

STARTER_DIR = Path(__file__).parent / "starter_templates"
STARTER_PREFIX = "starter:"
PLACEHOLDERS = {
    "first_name": "The patient's first name",
    "therapist_name": "Your name",
    "module_title": "The module's title",
    "exercise_title": "The exercise's title (or the module's, for feedback on the whole module)",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class FeedbackError(Exception):
    """The feedback cannot be sent; the text is safe to show next to the feedback box."""


class FeedbackAlreadyGiven(FeedbackError):
    """Feedback on this submission was sent already (a double click, or another tab)."""

    def __init__(self, message: str, feedback: Feedback):
        super().__init__(message)
        self.feedback = feedback


# --- Placeholders and the starter set -------------------------------------------------------------


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace the known ``{name}`` placeholders; anything else in braces stays as typed."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholder_values(*, enrollment: Enrollment, therapist: User, module: Module, exercise: Exercise | None) -> dict:
    return {
        "first_name": first_name(enrollment.patient.name),
        "therapist_name": therapist.name,
        "module_title": module.title,
        "exercise_title": exercise.title if exercise else module.title,
    }


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


@dataclass(frozen=True)
class Starter:
    """A built-in template: read-only, the same for every clinic."""

    key: str  # "starter:<module slug>:<n>"
    module_slug: str
    title: str
    body: str

    @property
    def is_starter(self) -> bool:
        return True


@functools.cache
def starter_templates() -> dict[str, list[Starter]]:
    """Every starter template by module slug, read once from guidance/starter_templates/*.yaml."""
    by_module: dict[str, list[Starter]] = {}
    for path in sorted(STARTER_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for slug, items in data.items():
            for number, item in enumerate(items, len(by_module.get(slug, [])) + 1):
                starter = Starter(f"{STARTER_PREFIX}{slug}:{number}", slug, item["title"].strip(), item["body"].strip())
                by_module.setdefault(slug, []).append(starter)
    return by_module


def starters_for(module_slug: str) -> list[Starter]:
    return starter_templates().get(module_slug, [])


def starter_by_key(key: str) -> Starter | None:
    if not key.startswith(STARTER_PREFIX):
        return None
    slug = key[len(STARTER_PREFIX) :].rsplit(":", 1)[0]
    return next((s for s in starters_for(slug) if s.key == key), None)


# --- Templates: who sees and who changes which ----------------------------------------------------


def visible_templates(user, roles: Roles | None = None) -> QuerySet[FeedbackTemplate]:
    """The user's own templates (in clinics where they are a therapist) and their clinics' shared ones."""
    roles = roles or user_roles(user)
    clinic_ids = roles.therapist_clinic_ids | roles.admin_clinic_ids
    return FeedbackTemplate.objects.filter(
        Q(owner=user, clinic_id__in=roles.therapist_clinic_ids) | Q(owner__isnull=True, clinic_id__in=clinic_ids)
    )


def editable_templates(user) -> QuerySet[FeedbackTemplate]:
    """Personal ones by their owner; clinic-wide ones by the clinic's admins."""
    roles = user_roles(user)
    return FeedbackTemplate.objects.filter(
        Q(owner=user, clinic_id__in=roles.therapist_clinic_ids)
        | Q(owner__isnull=True, clinic_id__in=roles.admin_clinic_ids)
    )


def templates_for_writing(user, enrollment: Enrollment, module: Module) -> list:
    """The picker on the feedback page: personal, then clinic-wide (general or for this module), then
    this module's starters."""
    rows = list(
        visible_templates(user)
        .filter(clinic_id=enrollment.clinic_id, module_slug__in=["", module.slug])
        .order_by(F("owner_id").asc(nulls_last=True), "title", "id")  # personal ones first
    )
    return rows + starters_for(module.slug)


def template_text(user, enrollment: Enrollment, module: Module, key: str) -> str | None:
    """The body of the template picked on the feedback page (by code or starter key), or None."""
    starter = starter_by_key(key)
    if starter is not None:
        return starter.body
    try:
        return (
            visible_templates(user).filter(clinic_id=enrollment.clinic_id).values_list("body", flat=True).get(code=key)
        )
    except (FeedbackTemplate.DoesNotExist, ValidationError, ValueError):  # a malformed code is "not found"
        return None


@transaction.atomic
def template_save(
    *, user: User, template: FeedbackTemplate | None, clinic_id: int, personal: bool, values: dict, request=None
) -> FeedbackTemplate:
    now = timezone.now()
    if template is None:
        template = FeedbackTemplate.objects.create(
            clinic_id=clinic_id, owner=user if personal else None, created_at=now, updated_at=now, **values
        )
        action = "guidance.feedback_template.created"
    else:
        for name, value in values.items():
            setattr(template, name, value)
        template.updated_at = now
        template.save(update_fields=[*values, "updated_at"])
        action = "guidance.feedback_template.changed"
    audit_log(actor=user, action=action, clinic=template.clinic, target=template, request=request)
    return template


@transaction.atomic
def template_delete(*, user: User, template: FeedbackTemplate, request=None) -> None:
    audit_log(
        actor=user,
        action="guidance.feedback_template.deleted",
        clinic=template.clinic,
        target=template,
        request=request,
    )
    template.delete()


def template_module_choices(roles: Roles) -> list[tuple[str, str]]:
    """Module slugs (with titles) of the programmes the user's clinics use or own."""
    clinic_ids = roles.therapist_clinic_ids | roles.admin_clinic_ids
    programs = Program.objects.filter(Q(clinic__isnull=True) | Q(clinic_id__in=clinic_ids))
    seen: dict[str, str] = {}
    for slug, title in (
        Module.objects.filter(program__in=programs).order_by("optional", "position", "-program__version")
    ).values_list("slug", "title"):
        seen.setdefault(slug, title)
    return list(seen.items())


# --- The "To review" queue ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    enrollment: Enrollment
    module: Module
    exercise: Exercise | None  # None: the module as a whole (finished, with nothing submitted)
    submitted_at: datetime.datetime

    @property
    def url(self) -> str:
        url = reverse("feedback_write", args=[self.enrollment.code, self.module.slug])
        return f"{url}?exercise={self.exercise.slug}" if self.exercise else url


def _open_caseload(user):
    return therapist_caseload(user).filter(status__in=Enrollment.OPEN_STATUSES)


def _modules_awaiting(user) -> QuerySet[PlannedModule]:
    """Finished modules of wait-for-feedback programmes with nothing submitted and no feedback yet:
    without these the patient's next module would wait for ever."""
    submitted = ExerciseResponse.objects.filter(
        enrollment_id=OuterRef("plan__enrollment_id"),
        exercise__module_id=OuterRef("module_id"),
        submitted_at__isnull=False,
    )
    return PlannedModule.objects.filter(
        plan__enrollment__in=_open_caseload(user),
        plan__enrollment__program__wait_for_feedback=True,
        completed_at__isnull=False,
        skipped_at__isnull=True,
        feedback_at__isnull=True,
    ).exclude(Exists(submitted))


def review_rows(user) -> list[ReviewRow]:
    """The queue, oldest submission first, in two queries however long it is."""
    responses = (
        awaiting_feedback()
        .filter(enrollment__in=_open_caseload(user))
        .select_related("enrollment__patient", "exercise__module")
        .order_by("submitted_at", "pk")
    )
    rows = [ReviewRow(r.enrollment, r.exercise.module, r.exercise, r.submitted_at) for r in responses]
    for item in _modules_awaiting(user).select_related("plan__enrollment__patient", "module"):
        rows.append(ReviewRow(item.plan.enrollment, item.module, None, item.completed_at))
    return sorted(rows, key=lambda row: row.submitted_at)


def review_count(user) -> int:
    """How many rows the queue has, in one query."""
    responses = awaiting_feedback().filter(enrollment__in=_open_caseload(user)).values("pk")
    modules = _modules_awaiting(user).values("pk")
    return responses.union(modules, all=True).count()


def nav_items(request, roles: Roles) -> list[tuple[str, str]]:
    """ "To review (N)" for therapists: one query; none for htmx partials."""
    if getattr(request, "htmx", False) or not roles.is_therapist:
        return []
    count = review_count(request.user)
    label = _("To review (%(count)s)") % {"count": count} if count else _("To review")
    return [(label, reverse("review_queue"))]


# --- Writing feedback -----------------------------------------------------------------------------


def access_feedback_enrollment(user, code) -> Enrollment:
    """The enrolment, if the user is its current therapist (in a clinic where they are a therapist).
    Anyone else gets 404, clinic admins too: feedback is written, never read, here."""
    enrollment = access_enrollment_as_staff(user, code)
    if enrollment.therapist_id != user.pk:
        raise Http404("Not this patient's therapist.")
    if enrollment.clinic_id not in user_roles(user).therapist_clinic_ids:
        raise Http404("Not a therapist in this clinic.")
    return enrollment


def submitted_responses(enrollment: Enrollment, module: Module) -> list[ExerciseResponse]:
    return list(
        ExerciseResponse.objects.filter(enrollment=enrollment, exercise__module=module, submitted_at__isnull=False)
        .select_related("exercise")
        .order_by("exercise__page__position", "exercise_id")
    )


def module_feedback(enrollment: Enrollment, module: Module) -> list[Feedback]:
    return list(
        Feedback.objects.filter(enrollment=enrollment, module=module)
        .select_related("message", "author", "response__exercise")
        .order_by("id")
    )


def response_basis(response: ExerciseResponse | None, earlier: list[Feedback]) -> str:
    """What the form was built from: the submission's time, or for the whole module the latest
    feedback on it. If that has changed when the form is sent, someone else got there first."""
    if response is not None:
        return f"r{int(response.submitted_at.timestamp() * 1_000_000)}"
    latest = max((f.pk for f in earlier if f.response_id is None), default=0)
    return f"m{latest}"


@transaction.atomic
def feedback_give(
    *,
    enrollment: Enrollment,
    module: Module,
    response: ExerciseResponse | None,
    author: User,
    body: str,
    basis: str,
    request=None,
) -> Feedback:
    """Send feedback once: a message in the thread, the Feedback row, the time entry, the plan told.

    The thread row is locked while it is checked that nobody sent feedback on this submission since
    the form was built (``basis``), so a double click or a second tab cannot send it twice.
    """
    thread = thread_ensure(enrollment=enrollment)
    Thread.objects.select_for_update().filter(pk=thread.pk).values_list("pk", flat=True).get()
    if response is not None:
        response = ExerciseResponse.objects.select_related("exercise").get(pk=response.pk)
        _check_response(response, enrollment, module, basis)
    else:
        _check_module(enrollment, module, basis)
    message = message_send(thread=thread, sender=author, body=body, request=request, record_time=False)
    feedback = Feedback.objects.create(
        enrollment=enrollment,
        module=module,
        response=response,
        message=message,
        author=author,
        created_at=message.created_at,
    )
    time_entry_record(
        therapist=author,
        enrollment=enrollment,
        activity=TimeEntry.Activity.FEEDBACK,
        minutes=enrollment.clinic.feedback_minutes,
        source=f"guidance.feedback:{feedback.pk}",
        at=message.created_at,
    )
    plan_feedback_given(enrollment=enrollment, module=module)
    audit_log(actor=author, action="guidance.feedback.given", enrollment=enrollment, target=feedback, request=request)
    return feedback


def _check_response(response: ExerciseResponse, enrollment: Enrollment, module: Module, basis: str) -> None:
    if response.enrollment_id != enrollment.pk or response.exercise.module_id != module.pk or not response.submitted_at:
        raise FeedbackError(_("Choose an exercise the patient has sent you."))
    given = (
        Feedback.objects.filter(response=response, created_at__gte=response.submitted_at)
        .select_related("message")
        .first()
    )
    if given is not None:
        raise FeedbackAlreadyGiven(_("Feedback on this exercise has been sent already. It is shown below."), given)
    if basis != response_basis(response, []):
        raise FeedbackError(
            _("%(name)s sent this exercise again while you were writing. Read the new answers above, then send.")
            % {"name": first_name(enrollment.patient.name)}
        )


def _check_module(enrollment: Enrollment, module: Module, basis: str) -> None:
    latest = (
        Feedback.objects.filter(enrollment=enrollment, module=module, response__isnull=True)
        .select_related("message")
        .order_by("-id")
        .first()
    )
    if basis != f"m{latest.pk if latest else 0}":
        raise FeedbackAlreadyGiven(_("Feedback on this module has been sent already. It is shown below."), latest)


# --- What the patient sees beside an exercise -----------------------------------------------------


def exercise_notes_for(enrollment: Enrollment, module: Module) -> list[ExerciseNote]:
    """Feedback on this module for the module pages: one query."""
    rows = (
        Feedback.objects.filter(enrollment=enrollment, module=module)
        .select_related("message", "author", "response")
        .order_by("id")
    )
    return [
        ExerciseNote(
            exercise_id=f.response.exercise_id if f.response else None,
            author_name=f.author.name,
            at=f.created_at,
            body=f.message.body,
        )
        for f in rows
    ]


# --- Start-up -------------------------------------------------------------------------------------


def ready() -> None:
    """Registrations made when the app loads (notification kinds, navigation, panels)."""
    from clinics.context_processors import register_nav_extension
    from modules.exercise_notes import register_exercise_notes

    register_nav_extension(nav_items)
    register_exercise_notes(exercise_notes_for)
