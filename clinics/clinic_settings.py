"""A clinic's settings: what its admins may change, and the one service that changes them."""

from django.db import transaction

from accounts.models import User
from clinics.models import Clinic
from clinics.services import audit_log

# The fields the settings page edits. enabled_instruments is not here: it changes only with a
# licence record (clinics/licences.py).
SETTINGS_FIELDS = (
    "crisis_text",
    "video_base_url",
    "response_time_promise",
    "reminder_hour",
    "escalation_hours",
    "message_minutes",
    "feedback_minutes",
    "checkin_minutes",
    "cost_per_hour",
    "currency",
    "show_scores_to_patients",
)


class ClinicSettingsError(Exception):
    """A setting cannot be saved; the message is safe to show next to ``field``."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@transaction.atomic
def clinic_settings_update(*, clinic: Clinic, by: User, values: dict, request=None) -> list[str]:
    """Save the settings that changed and record it; returns the names of the changed fields.

    ``values`` comes from a validated form. Saving with update_fields means an admin turning on a
    questionnaire at the same time (enabled_instruments) is not overwritten.
    """
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not clinic settings: {', '.join(sorted(unknown))}")
    if "crisis_text" in values and not values["crisis_text"].strip():
        # The form says so too; this guard keeps any other caller from emptying it (DESIGN.md, Safety).
        raise ClinicSettingsError("The crisis resources text cannot be empty.", field="crisis_text")
    changed = [name for name, value in values.items() if getattr(clinic, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(clinic, name, values[name])
    clinic.save(update_fields=changed)
    audit_log(actor=by, action="clinics.clinic.settings_changed", clinic=clinic, target=clinic, request=request)
    return changed
