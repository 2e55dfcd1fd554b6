"""The clinic admin's audit log: which events a clinic's admins see, the filters, and the CSV rows.

A clinic's events are those recorded against the clinic (patient data, clinic administration) and
the account events (sign-ins, MFA, password changes), which belong to no clinic, of its staff and of
its patients.
"""

import datetime
import uuid
import zoneinfo

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clinics.audit_labels import staff_action_label
from clinics.models import AuditEvent, Clinic, Enrollment, Membership

ROLE_LABELS = {
    "patient": _("Patient"),
    "therapist": _("Therapist"),
    "admin": _("Clinic admin"),
    "operator": _("Steady operator"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clinic_staff(clinic: Clinic) -> QuerySet[User]:
    """Everyone who is or was on the clinic's staff, by name."""
    return User.objects.filter(id__in=Membership.objects.filter(clinic=clinic).values("user_id")).order_by("name")


def clinic_events(clinic: Clinic) -> QuerySet[AuditEvent]:
    staff_ids = Membership.objects.filter(clinic=clinic).values("user_id")
    patient_ids = Enrollment.objects.filter(clinic=clinic).values("patient_id")
    return (
        AuditEvent.objects.filter(
            Q(clinic=clinic)
            | Q(clinic__isnull=True, actor_id__in=staff_ids)
            | Q(clinic__isnull=True, actor_id__in=patient_ids)
        )
        .select_related("actor", "enrollment__patient")
        .order_by("-at", "-pk")
    )


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient"),
        help_text=_("Name, e-mail address or enrolment code"),
        required=False,
        max_length=200,
    )
    staff = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["staff"].queryset = clinic_staff(clinic)
        self.fields["staff"].label_from_instance = lambda user: user.name or user.email

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """The events that match the (valid) form. Dates are whole days in the clinic's time zone."""
        data = self.cleaned_data
        if data.get("patient"):
            events = events.filter(patient_filter(data["patient"].strip()))
        if data.get("staff"):
            events = events.filter(actor=data["staff"])
        zone = zoneinfo.ZoneInfo(self.clinic.time_zone)
        if data.get("date_from"):
            events = events.filter(at__gte=datetime.datetime.combine(data["date_from"], datetime.time(), zone))
        if data.get("date_to"):
            next_day = data["date_to"] + datetime.timedelta(days=1)
            events = events.filter(at__lt=datetime.datetime.combine(next_day, datetime.time(), zone))
        return events


def patient_filter(text: str) -> Q:
    """Events on the patient's record, and the patient's own account events (sign-ins), which name
    no enrolment."""
    # Subqueries rather than joins through the actor's enrolments: no event is listed twice.
    try:
        code = uuid.UUID(text)
    except ValueError:
        matching = Enrollment.objects.filter(Q(patient__name__icontains=text) | Q(patient__email__icontains=text))
        return Q(enrollment__in=matching) | Q(enrollment__isnull=True, actor_id__in=matching.values("patient_id"))
    matching = Enrollment.objects.filter(code=code)
    return Q(enrollment__in=matching) | Q(enrollment__isnull=True, actor_id__in=matching.values("patient_id"))


def who(event: AuditEvent) -> str:
    if event.actor is None:
        return str(_("Unknown person")) if event.outcome == AuditEvent.Outcome.DENIED else str(_("Steady (automatic)"))
    return event.actor.name or event.actor.email


def role_label(event: AuditEvent) -> str:
    return str(ROLE_LABELS.get(event.actor_role, event.actor_role))


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_HEADER = [
    "When", "Time zone", "Who", "Role", "Action", "Action code", "Patient", "Enrolment code",
    "Object type", "Object id", "Outcome", "IP address", "Request id",
]  # fmt: skip


def csv_row(event: AuditEvent, zone: zoneinfo.ZoneInfo) -> list[str]:
    enrollment = event.enrollment
    cells = [
        event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
        zone.key,
        who(event),
        role_label(event),
        staff_action_label(event.action),
        event.action,
        enrollment.patient.name if enrollment else "",
        enrollment.code if enrollment else "",
        event.object_type,
        event.object_id,
        event.get_outcome_display(),
        event.ip,
        event.request_id,
    ]
    return [safe_cell(cell) for cell in cells]
