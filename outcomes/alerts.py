"""Alerts: raising them (risk, deterioration, overdue), acknowledging them, and escalating urgent ones.

DESIGN "Safety": any PHQ-9 item 9 answer above 0 raises a risk alert (2 or 3: the urgent tier) in the
same transaction as the answers; the therapist is told through the outbox, never with health data in
the e-mail. An alert is acknowledged once, with a note. An urgent alert that nobody acknowledges within
the clinic's window is escalated to the clinic's admins, once.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clinics.access import staff_enrollments
from clinics.models import Clinic, Enrollment, Membership
from clinics.services import audit_log
from notifications.registry import NoLongerNeeded
from notifications.services import notify
from outcomes.change import summarise
from outcomes.instruments import get_instrument
from outcomes.instruments.base import format_total
from outcomes.instruments.phq9 import SELF_HARM_ITEM
from outcomes.models import Alert, Assessment, Occasion

logger = logging.getLogger(__name__)

RAISED_KIND = "outcomes.alert_raised"
ESCALATED_KIND = "outcomes.alert_escalated"
DEFAULT_ESCALATION_HOURS = 4
NOTE_MAX_CHARS = 2000
SWEEP_LIMIT = 2000


class AlertError(Exception):
    """The alert cannot be acknowledged; the message is safe to show to the staff member."""


class AlertNoteError(AlertError):
    """The note is missing or too long: the staff member can fix it and try again."""


def escalation_window(clinic: Clinic) -> datetime.timedelta:
    hours = clinic.escalation_hours or DEFAULT_ESCALATION_HOURS
    return datetime.timedelta(hours=hours)


# --- Raising ----------------------------------------------------------------------------------------


def alert_raise(
    *,
    enrollment: Enrollment,
    kind: str,
    tier: str = Alert.Tier.NORMAL,
    assessment: Assessment | None = None,
    notify_staff: bool = True,
) -> tuple[Alert, bool]:
    """Raise an alert once (per assessment and kind) and tell the patient's therapist; (alert, created).

    Call it inside the transaction that caused it. A second call for the same assessment and kind (a
    retried submit, two sweeps at once) returns the first alert and notifies nobody again.
    """
    if assessment is None:
        alert, created = Alert.objects.create(enrollment=enrollment, kind=kind, tier=tier), True
    else:
        # get_or_create inserts in a savepoint and reads the winner's row on the unique constraint's error.
        with transaction.atomic():
            alert, created = Alert.objects.get_or_create(
                assessment=assessment, kind=kind, defaults={"enrollment": enrollment, "tier": tier}
            )
    if created and notify_staff:
        for user in alert_recipients(enrollment):
            notify(
                user=user,
                kind=RAISED_KIND,
                dedupe_key=f"{RAISED_KIND}:{alert.code}:{user.pk}",
                context={"alert_code": str(alert.code)},
            )
    return alert, created


def alert_recipients(enrollment: Enrollment) -> list:
    """The patient's therapist; without one (not yet assigned, or left), the clinic's admins, so that
    a risk alert always reaches someone."""
    therapist = enrollment.therapist
    if therapist is not None and therapist.is_active:
        return [therapist]
    return clinic_admins(enrollment.clinic_id)


def clinic_admins(clinic_id: int) -> list:
    memberships = Membership.objects.filter(
        clinic_id=clinic_id, role=Membership.Role.ADMIN, is_active=True, user__is_active=True
    ).select_related("user")
    return [membership.user for membership in memberships.order_by("user_id")]


def risk_alert_for(assessment: Assessment) -> tuple[Alert, bool] | None:
    """The risk alert for a scored assessment whose flags say so (PHQ-9 item 9 above 0)."""
    if "risk" not in assessment.flags:
        return None
    tier = Alert.Tier.URGENT if "urgent" in assessment.flags else Alert.Tier.NORMAL
    return alert_raise(enrollment=assessment.enrollment, kind=Alert.Kind.RISK, tier=tier, assessment=assessment)


def deterioration_alert_for(assessment: Assessment) -> tuple[Alert, bool] | None:
    """A deterioration alert when this answer is a reliable worsening since the baseline.

    Which rule judges "reliable" is outcomes.change's (NHS Talking Therapies for PHQ-9 and GAD-7: a rise
    of at least 6 and 4 points; Jacobson-Truax where constants are sourced; none for pain scales, whose
    IMMPACT rule defines improvement only).
    """
    if assessment.occasion_kind == Occasion.BASELINE or assessment.total is None:
        return None
    instrument = get_instrument(assessment.instrument_key)
    if not instrument.tracks_change:
        return None
    baseline_total = (
        Assessment.objects.filter(
            enrollment_id=assessment.enrollment_id,
            instrument_key=assessment.instrument_key,
            occasion_kind=Occasion.BASELINE,
            status=Assessment.Status.COMPLETED,
        )
        .values_list("total", flat=True)
        .first()
    )
    if baseline_total is None:
        return None
    change = summarise(instrument, baseline_total, None, assessment.total)
    if change.since_start is None or not change.since_start.deteriorated:
        return None
    already_open = Alert.objects.filter(
        enrollment_id=assessment.enrollment_id,
        kind=Alert.Kind.DETERIORATION,
        assessment__instrument_key=assessment.instrument_key,
        acknowledged_at__isnull=True,
    )
    if already_open.exists():
        # One open alert per instrument: a therapist who has not yet looked needs no second one for
        # the same worsening next week. Once acknowledged, a further reliable worsening alerts again.
        return None
    return alert_raise(enrollment=assessment.enrollment, kind=Alert.Kind.DETERIORATION, assessment=assessment)


def flag_overdue(now: datetime.datetime | None = None) -> int:
    """Flag each occasion whose questionnaires are open past their due date: one overdue alert per
    occasion, no notification (it shows on the alerts page). Safe to run twice at once."""
    now = now or timezone.now()
    already_flagged = Alert.objects.filter(
        kind=Alert.Kind.OVERDUE,
        assessment__enrollment_id=OuterRef("enrollment_id"),
        assessment__occasion=OuterRef("occasion"),
    )
    pending = (
        Assessment.objects.filter(
            status=Assessment.Status.OPEN, due_at__lte=now, enrollment__status=Enrollment.Status.ACTIVE
        )
        .exclude(Exists(already_flagged))
        .values_list("enrollment_id", "occasion")
        .order_by("enrollment_id", "occasion")
        .distinct()
    )
    flagged = 0
    for enrollment_id, occasion in list(pending[:SWEEP_LIMIT]):
        # The alert hangs off the occasion's first questionnaire, whatever has been answered since, so
        # the (assessment, kind) constraint makes it one per occasion even when two sweeps race.
        anchor = (
            Assessment.objects.filter(enrollment_id=enrollment_id, occasion=occasion)
            .select_related("enrollment")
            .order_by("position", "pk")
            .first()
        )
        with transaction.atomic():
            _alert, created = alert_raise(
                enrollment=anchor.enrollment, kind=Alert.Kind.OVERDUE, assessment=anchor, notify_staff=False
            )
        flagged += created
    return flagged


# --- Acknowledging ----------------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise AlertNoteError("Write what you did about this alert.")
    if "\x00" in note:  # PostgreSQL cannot store a NUL in text: refuse it here rather than fail with a 500
        raise AlertNoteError(
            "The note contains a character that cannot be saved. Type it again rather than pasting it."
        )
    if len(note) > NOTE_MAX_CHARS:
        raise AlertNoteError(f"Keep the note to {NOTE_MAX_CHARS} characters or fewer (it has {len(note)}).")
    return note


def alert_acknowledge(*, alert: Alert, by, note: str, request=None) -> Alert:
    """Record who acknowledged the alert, when, and what they did. Only once: the second raises."""
    note = clean_note(note)
    now = timezone.now()
    with transaction.atomic():
        # Conditional UPDATE: of two people acknowledging at once, one wins and the other is told.
        changed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=by, acknowledged_at=now, note=note
        )
        if changed != 1:
            raise AlertError("This alert has already been acknowledged.")
        audit_log(
            actor=by,
            action="outcomes.alert.acknowledged",
            enrollment=alert.enrollment,
            target=alert,
            request=request,
        )
    alert.acknowledged_by, alert.acknowledged_at, alert.note = by, now, note
    return alert


# --- Escalating -------------------------------------------------------------------------------------


def escalate_due(now: datetime.datetime | None = None) -> int:
    """Escalate urgent alerts left unacknowledged past the clinic's window to the clinic's admins.

    Each alert is claimed with a conditional UPDATE of ``escalated_at`` and its notifications are
    written in the same transaction, so two sweeps at once escalate it once, and a sweep that dies
    after committing has already put the e-mails in the outbox. Returns how many were escalated.
    """
    now = now or timezone.now()
    candidates = (
        Alert.objects.filter(
            tier=Alert.Tier.URGENT,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=now,
        )
        .select_related("enrollment__clinic")
        .order_by("created_at")
    )
    escalated = 0
    for alert in candidates[:SWEEP_LIMIT]:
        if alert.created_at > now - escalation_window(alert.enrollment.clinic):
            continue
        escalated += _escalate(alert, now)
    return escalated


def _escalate(alert: Alert, now: datetime.datetime) -> int:
    with transaction.atomic():
        claimed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True, escalated_at__isnull=True).update(
            escalated_at=now
        )
        if claimed != 1:
            return 0  # acknowledged meanwhile, or another sweep has it
        admins = clinic_admins(alert.enrollment.clinic_id)
        for admin in admins:
            notify(
                user=admin,
                kind=ESCALATED_KIND,
                dedupe_key=f"{ESCALATED_KIND}:{alert.code}:{admin.pk}",
                context={"alert_code": str(alert.code)},
            )
        audit_log(actor=None, action="outcomes.alert.escalated", enrollment=alert.enrollment, target=alert)
    if not admins:
        logger.warning("Alert %s was escalated but its clinic has no active admin", alert.pk)
    return 1


def alert_email_context(notification) -> dict:
    """Send an alert e-mail only while the alert is still open; it carries a link, never health data."""
    code = notification.context.get("alert_code")
    if not Alert.objects.filter(code=code, acknowledged_at__isnull=True).exists():
        raise NoLongerNeeded("the alert has been acknowledged")
    return {"alert_list_path": reverse("alert_list")}


# --- Reading, for staff ----------------------------------------------------------------------------

OPEN_LIMIT = 200
ACKNOWLEDGED_LIMIT = 20


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    detail: str  # alert_detail(): what raised it, in one line


def staff_alerts(user) -> QuerySet[Alert]:
    """Alerts of the enrolments the user may see: a therapist's own caseload, all of an admin's clinics."""
    return Alert.objects.filter(enrollment__in=staff_enrollments(user))


def access_alert_as_staff(user, code) -> Alert:
    try:
        return staff_alerts(user).select_related("enrollment__clinic").get(code=code)
    except Alert.DoesNotExist:
        raise Http404("No such alert.") from None


def _listed(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    return alerts.select_related("enrollment__patient", "enrollment__clinic", "assessment")


def open_alerts(user) -> list[AlertRow]:
    """Open alerts, urgent first ("urgent" sorts after "normal"), then newest; at most OPEN_LIMIT."""
    alerts = _listed(staff_alerts(user).filter(acknowledged_at__isnull=True)).order_by("-tier", "-created_at", "-pk")
    return [AlertRow(alert, alert_detail(alert)) for alert in alerts[:OPEN_LIMIT]]


def acknowledged_alerts(user) -> list[AlertRow]:
    alerts = (
        _listed(staff_alerts(user).filter(acknowledged_at__isnull=False))
        .select_related("acknowledged_by")
        .order_by("-acknowledged_at", "-pk")
    )
    return [AlertRow(alert, alert_detail(alert)) for alert in alerts[:ACKNOWLEDGED_LIMIT]]


# --- Describing, for staff --------------------------------------------------------------------------


# Staff wording (Occasion's labels are the patient's: "Before you start").
STAFF_OCCASIONS = {
    Occasion.BASELINE: "Baseline",
    Occasion.MIDPOINT: "Mid-point",
    Occasion.POST: "End of programme",
    Occasion.FOLLOWUP_3M: "3-month follow-up",
    Occasion.FOLLOWUP_6M: "6-month follow-up",
    Occasion.FOLLOWUP_12M: "12-month follow-up",
}


def occasion_label(assessment: Assessment) -> str:
    if assessment.occasion.startswith("week-"):
        return f"Week {assessment.occasion.removeprefix('week-')}"
    return STAFF_OCCASIONS.get(assessment.occasion_kind, assessment.occasion)


def alert_detail(alert: Alert) -> str:
    """One line saying what raised the alert (staff only: it may name an answer)."""
    assessment = alert.assessment
    if assessment is None:
        return "No recent activity." if alert.kind == Alert.Kind.DISENGAGED else ""
    instrument = get_instrument(assessment.instrument_key)
    where = f"{instrument.short_title}, {occasion_label(assessment).lower()}"  # "PHQ-9, week 3"
    if alert.kind == Alert.Kind.RISK and assessment.instrument_key == "phq9":
        item = instrument.scored_items[SELF_HARM_ITEM - 1]
        value = assessment.answers.get(item.key)
        label = next((option.label for option in item.options if option.value == value), "an answer above 0")
        return f"{where}: question {SELF_HARM_ITEM} (thoughts of being better off dead or of self-harm): “{label}”."
    if alert.kind == Alert.Kind.RISK:
        return f"{where}: an answer that needs checking."
    if alert.kind == Alert.Kind.DETERIORATION and assessment.total is not None:
        return f"{where}: score {format_total(assessment.total)}, reliably worse than at the start."
    if alert.kind == Alert.Kind.OVERDUE:
        return f"{occasion_label(assessment)} questionnaires are past their due date."
    return where
