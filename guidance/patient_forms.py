"""Forms of the dashboard, the patient view (clinical notes, contact mode) and the time ledger pages."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Enrollment
from guidance.ledger import MANUAL_ACTIVITIES, MAX_MINUTES
from guidance.models import MESSAGE_MAX_CHARS

CONTACT_CHOICES = [("", _("Any contact"))] + list(Enrollment.ContactMode.choices)


class DashboardFilterForm(forms.Form):
    """The dashboard's GET filters. A value that does not fit is dropped, never a 500."""

    attention = forms.BooleanField(label=_("Only patients who need attention"), required=False)
    cohort = forms.TypedChoiceField(label=_("Cohort"), required=False, coerce=int, empty_value=None)
    contact = forms.ChoiceField(label=_("Contact"), required=False, choices=CONTACT_CHOICES)
    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)

    def __init__(self, *args, cohorts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", _("All cohorts"))] + [(c.pk, c.name) for c in cohorts]
        self.fields["q"].widget.attrs.update(
            {"class": "nhsuk-input nhsuk-u-width-full", "type": "search", "autocomplete": "off"}
        )
        self.fields["cohort"].widget.attrs["class"] = "nhsuk-select nhsuk-u-width-full"
        self.fields["contact"].widget.attrs["class"] = "nhsuk-select nhsuk-u-width-full"


class ClinicalNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a private note"),
        help_text=_(
            "Only staff read notes in Steady. A patient who downloads all their data gets them too. "
            "Notes cannot be changed later."
        ),
        max_length=MESSAGE_MAX_CHARS,
        error_messages={
            "required": _("Write the note before you save it."),
            "max_length": _("A note can be up to 5,000 characters. Shorten it, or save it as two notes."),
        },
        widget=forms.Textarea(attrs={"rows": 4, "class": "nhsuk-textarea"}),
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write the note before you save it."))
        return body


class ContactModeForm(forms.Form):
    contact_mode = forms.ChoiceField(
        label=_("How the patient and therapist keep in touch"),
        choices=Enrollment.ContactMode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you keep in touch."),
            "invalid_choice": _("Choose one of the options."),
        },
    )
    checkin_every_weeks = forms.IntegerField(
        label=_("With messages and check-ins: a check-in every how many weeks?"),
        help_text=_("From 1 to 8. Every other week is 2."),
        min_value=1,
        max_value=8,
        required=False,
        error_messages={
            "min_value": _("Enter a number from 1 to 8."),
            "max_value": _("Enter a number from 1 to 8."),
            "invalid": _("Enter a whole number of weeks, like 2."),
        },
        widget=forms.NumberInput(attrs={"class": "nhsuk-input nhsuk-input--width-2", "inputmode": "numeric"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("contact_mode") == Enrollment.ContactMode.MIXED and not data.get("checkin_every_weeks"):
            self.add_error("checkin_every_weeks", _("Enter how often a check-in is expected, from 1 to 8 weeks."))
        return data


class TimeEntryForm(forms.Form):
    """A manual time entry; the date and time are in the therapist's own zone."""

    activity = forms.ChoiceField(
        label=_("What was the time spent on?"),
        choices=[(a.value, a.label) for a in MANUAL_ACTIVITIES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the time was spent on.")},
    )
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=MAX_MINUTES,
        error_messages={
            "required": _("Enter the number of minutes."),
            "invalid": _("Enter a whole number of minutes, like 15."),
            "min_value": _("Enter a number of minutes from 1 to 1,440."),
            "max_value": _("Enter a number of minutes from 1 to 1,440."),
        },
        widget=forms.NumberInput(attrs={"class": "nhsuk-input nhsuk-input--width-4", "inputmode": "numeric"}),
    )
    day = forms.DateField(
        label=_("Date"),
        error_messages={"required": _("Enter the date."), "invalid": _("Enter a real date.")},
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input nhsuk-input--width-10"}),
    )
    time = forms.TimeField(
        label=_("Time"),
        error_messages={"required": _("Enter the time."), "invalid": _("Enter a time like 14:30.")},
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input nhsuk-input--width-5"}, format="%H:%M"),
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("A few words for your own record, like “call about pacing”. Up to 200 characters."),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Keep the note to 200 characters or fewer.")},
        widget=forms.TextInput(attrs={"class": "nhsuk-input"}),
    )

    def __init__(self, *args, zone, **kwargs):
        self.zone = zone
        now = timezone.localtime(timezone.now(), zone)
        kwargs.setdefault("initial", {"day": now.date(), "time": now.time().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)

    def at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], tzinfo=self.zone)


class TimeMinutesForm(forms.Form):
    minutes = TimeEntryForm.base_fields["minutes"]
