from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from clinics.clinic_settings import SETTINGS_FIELDS
from clinics.licences import GatedInstrument
from clinics.models import Clinic

# An urgent risk alert (PHQ-9 item 9 answered 2 or 3) goes to the admins after this window; longer
# than a day would leave a person at risk without anyone looking for too long.
ESCALATION_HOURS = (1, 24)
REMINDER_HOURS = [(hour, f"{hour:02d}:00") for hour in range(6, 22)]


def _number_widget():
    return forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"})


def _minutes(label: str, help_text: str, high: int) -> forms.IntegerField:
    message = format_lazy(_("Enter a whole number of minutes from 1 to {high}."), high=high)
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=1,
        max_value=high,
        widget=_number_widget(),
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
    )


class ClinicSettingsForm(forms.Form):
    crisis_text = forms.CharField(
        label=_("Crisis resources"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Who to contact in an emergency, with phone numbers. Patients see this on their home page, beside "
            "their messages, on the help page, and at once when a questionnaire answer suggests they may be at "
            "risk. It cannot be left empty."
        ),
        error_messages={
            "required": _(
                "Enter the crisis resources. Patients see them when their answers suggest they may be at risk, "
                "so they can never be empty."
            ),
            "max_length": _("Keep the crisis resources to 2,000 characters or fewer."),
        },
    )
    video_base_url = forms.URLField(
        label=_("Video call address"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "Steady adds each check-in's own room name to the end of this address, after a slash. For example, "
            "if the address is https://video.example.org/steady, a check-in's link looks like "
            "https://video.example.org/steady/room-name. Leave it empty if your clinic holds check-ins by phone only."
        ),
        error_messages={
            "invalid": _("Enter a web address, like https://video.example.org/steady."),
            "max_length": _("Keep the address to 200 characters or fewer."),
        },
    )
    response_time_promise = forms.CharField(
        label=_("How soon therapists reply"),
        max_length=200,
        help_text=_(
            "Patients see this beside their messages, for example: Your therapist will reply within 2 working days."
        ),
        error_messages={
            "required": _("Say how soon patients can expect a reply, for example: within 2 working days."),
            "max_length": _("Keep this to 200 characters or fewer."),
        },
    )
    reminder_hour = forms.TypedChoiceField(
        label=_("Reminder time for new patients"),
        coerce=int,
        choices=REMINDER_HOURS,
        help_text=_(
            "New patients get their e-mail reminders at this hour, in their own time zone. Each patient can "
            "change it. Patients already enrolled keep their own time."
        ),
        error_messages={"invalid_choice": _("Choose a time between 06:00 and 21:00.")},
    )
    escalation_hours = forms.IntegerField(
        label=_("Urgent alerts go to the admins after (hours)"),
        min_value=ESCALATION_HOURS[0],
        max_value=ESCALATION_HOURS[1],
        widget=_number_widget(),
        help_text=_(
            "If nobody acknowledges an urgent risk alert within this many hours, every clinic admin gets an "
            "e-mail. From 1 to 24 hours."
        ),
        error_messages={
            key: _("Enter a whole number of hours from 1 to 24.")
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )
    message_minutes = _minutes(
        _("Minutes for a message"), _("Counted in the time ledger for each message a therapist sends."), 120
    )
    feedback_minutes = _minutes(
        _("Minutes for weekly feedback"), _("Counted for each piece of weekly feedback a therapist writes."), 240
    )
    checkin_minutes = _minutes(
        _("Minutes for a check-in"), _("Suggested when a therapist records a check-in as held."), 240
    )
    cost_per_hour = forms.DecimalField(
        label=_("Cost of one therapist hour"),
        min_value=Decimal("0"),
        max_value=Decimal("99999.99"),
        max_digits=7,
        decimal_places=2,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "decimal"}),
        help_text=_("Used to work out the cost per patient in the clinic's reports."),
        error_messages={
            key: _("Enter an amount from 0 to 99999.99, like 62.50.")
            for key in ("required", "invalid", "min_value", "max_value", "max_digits", "max_decimal_places")
        },
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-3", "autocapitalize": "characters"}),
        help_text=_("The three-letter code, like GBP, EUR or USD."),
        error_messages={
            "required": _("Enter the three-letter currency code, like GBP."),
            "invalid": _("Enter the three-letter currency code, like GBP."),
            "max_length": _("Enter the three-letter currency code, like GBP."),
        },
    )
    show_scores_to_patients = forms.BooleanField(
        label=_("After a questionnaire, tell patients in plain words what their score means"),
        required=False,
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        kwargs.setdefault("initial", {name: getattr(clinic, name) for name in SETTINGS_FIELDS})
        super().__init__(*args, **kwargs)

    def clean_crisis_text(self):
        text = self.cleaned_data["crisis_text"].strip()
        if not text:
            raise forms.ValidationError(self.fields["crisis_text"].error_messages["required"])
        return text

    def clean_video_base_url(self):
        url = self.cleaned_data["video_base_url"]
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise forms.ValidationError(_("Use an address that starts with https://, so video calls are encrypted."))
        if parts.query or parts.fragment or "?" in url or "#" in url:
            raise forms.ValidationError(
                _("Remove the part from ? or # onwards: Steady adds the room name to the end of the address.")
            )
        if parts.username or parts.password:
            raise forms.ValidationError(_("Remove the user name or password from the address."))
        return url.rstrip("/")

    def clean_response_time_promise(self):
        return " ".join(self.cleaned_data["response_time_promise"].split())

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()


class LicenceConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="")
    reference = forms.CharField(
        label=_("Licence reference"),
        required=False,
        max_length=200,
        help_text=_("A number or name that helps you find the licence later, if there is one."),
        error_messages={"max_length": _("Keep the reference to 200 characters or fewer.")},
    )

    def __init__(self, *args, instrument: GatedInstrument, **kwargs):
        kwargs.setdefault("prefix", f"licence-{instrument.key}")
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.fields["confirm"].label = _("I confirm this clinic holds a licence for %(title)s") % {
            "title": instrument.title
        }
        self.fields["confirm"].error_messages["required"] = _(
            "Tick the box to confirm that this clinic holds a licence for %(title)s."
        ) % {"title": instrument.title}
