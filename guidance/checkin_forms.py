"""Forms of the check-in pages (guidance/views/checkins.py). Times typed by a therapist are wall-clock
times in their own zone; slots travel as their UTC start (``Slot.key``)."""

import datetime
import zoneinfo

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import formats
from django.utils.translation import gettext_lazy

from guidance.checkins import OUTCOMES, Slot, local_to_utc, parse_slot_key, slots_by_day
from guidance.models import AvailabilityRule, BookingSettings, CheckIn


def _number(label, help_text, low, high):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=low,
        max_value=high,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            "required": gettext_lazy("Enter a number."),
            "invalid": gettext_lazy("Enter a whole number, like 30."),
            "min_value": gettext_lazy("Enter a number from %(limit_value)s upwards."),
            "max_value": gettext_lazy("Enter a number up to %(limit_value)s."),
        },
    )


def _time(label, *, required=True):
    return forms.TimeField(
        label=label,
        required=required,
        help_text=gettext_lazy("Use the 24-hour clock, like 09:30 or 14:00."),
        widget=forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input--width-5"}, format="%H:%M"),
        error_messages={
            "required": gettext_lazy("Enter a time, like 09:30."),
            "invalid": gettext_lazy("Enter a time like 09:30 or 14:00."),
        },
    )


def _date(label, help_text=""):
    return forms.DateField(
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Enter a date."),
            "invalid": gettext_lazy("Enter a real date, like 2026-03-27."),
        },
    )


class BookingSettingsForm(forms.Form):
    slot_minutes = _number(gettext_lazy("Length of a check-in, in minutes"), "", 10, 240)
    buffer_minutes = _number(gettext_lazy("Break kept free before and after a check-in, in minutes"), "", 0, 120)
    notice_hours = _number(
        gettext_lazy("Minimum notice, in hours"), gettext_lazy("Patients cannot book sooner than this."), 0, 336
    )
    horizon_days = _number(
        gettext_lazy("Booking horizon, in days"), gettext_lazy("Patients cannot book further ahead than this."), 1, 365
    )
    cutoff_hours = _number(
        gettext_lazy("Change or cancel cutoff, in hours"),
        gettext_lazy("Patients can change or cancel a check-in up to this many hours before it."),
        0,
        336,
    )

    @classmethod
    def for_settings(cls, booking: BookingSettings, data=None):
        initial = {name: getattr(booking, name) for name in cls.base_fields}
        return cls(data, initial=initial, prefix="settings")


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=AvailabilityRule.Weekday.choices,
        coerce=int,
        error_messages={"required": gettext_lazy("Choose a day.")},
    )
    start_time = _time(gettext_lazy("From"))
    end_time = _time(gettext_lazy("Until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="rule", **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", gettext_lazy("The end time must be after the start time."))
        return data


class ExceptionForm(forms.Form):
    KINDS = [
        ("day_off", gettext_lazy("The whole day off")),
        ("hours_off", gettext_lazy("Some hours off")),
        ("extra", gettext_lazy("Extra hours")),
    ]
    date = _date(gettext_lazy("Date"), gettext_lazy("For example, 2026-03-27."))
    kind = forms.ChoiceField(
        label=gettext_lazy("What changes"),
        choices=KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what changes on that day.")},
    )
    start_time = _time(gettext_lazy("From"), required=False)
    end_time = _time(gettext_lazy("Until"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        help_text=gettext_lazy("Only you see this. Do not write patient details."),
        required=False,
        max_length=120,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="exception", **kwargs)

    def clean(self):
        data = super().clean()
        kind, start, end = data.get("kind"), data.get("start_time"), data.get("end_time")
        if kind in ("hours_off", "extra"):
            if start is None and "start_time" not in self.errors:
                self.add_error("start_time", gettext_lazy("Enter the time the change starts, like 09:30."))
            if end is None and "end_time" not in self.errors:
                self.add_error("end_time", gettext_lazy("Enter the time the change ends, like 12:00."))
            if start and end and end <= start:
                self.add_error("end_time", gettext_lazy("The end time must be after the start time."))
        elif kind == "day_off":
            data["start_time"] = data["end_time"] = None
        return data


def slot_label(slot: Slot, zone: zoneinfo.ZoneInfo) -> str:
    start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    return f"{formats.time_format(start, 'H:i')} to {formats.time_format(end, 'H:i')}"


def day_label(day: datetime.date) -> str:
    return formats.date_format(day, "l j F")


class SlotChoiceMixin:
    """A ``slot`` radio group: the given free slots, grouped by the viewer's local day."""

    def set_slots(self, slots: list[Slot], zone: zoneinfo.ZoneInfo) -> None:
        self.slot_days = [
            (day_label(day), [(slot.key, slot_label(slot, zone)) for slot in day_slots])
            for day, day_slots in slots_by_day(slots, zone)
        ]
        self.fields["slot"].choices = [(label, choices) for label, choices in self.slot_days]

    def clean_slot(self):
        value = self.cleaned_data.get("slot")
        if not value:
            return None
        starts_at = parse_slot_key(value)
        if starts_at is None:
            raise forms.ValidationError(gettext_lazy("Choose a time from the list."))
        return starts_at


def _mode_field():
    return forms.ChoiceField(
        label=gettext_lazy("How would you like to talk?"),
        choices=CheckIn.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose video call or phone call.")},
    )


class BookForm(SlotChoiceMixin, forms.Form):
    slot = forms.ChoiceField(
        label=gettext_lazy("Choose a time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose a time for your check-in."),
            # A time that was free when the page was drawn and is not any more (or was never offered).
            "invalid_choice": gettext_lazy(
                "That time has just been booked by someone else. Please choose another time."
            ),
        },
    )
    mode = _mode_field()

    def __init__(self, *args, slots, zone, video: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_slots(slots, zone)
        if not video:
            self.fields["mode"].choices = [(CheckIn.Mode.PHONE, CheckIn.Mode.PHONE.label)]
            self.fields["mode"].initial = CheckIn.Mode.PHONE


class StaffScheduleForm(SlotChoiceMixin, forms.Form):
    """A therapist books at one of their free slots or at a time they type (their own zone)."""

    slot = forms.ChoiceField(label=gettext_lazy("A free slot"), widget=forms.RadioSelect, required=False)
    date = _date(gettext_lazy("Date"))
    time = _time(gettext_lazy("Start time"), required=False)
    time.help_text = gettext_lazy("In your time zone, on the 24-hour clock, like 09:30 or 14:00.")
    minutes = forms.IntegerField(
        label=gettext_lazy("Length, in minutes"),
        required=False,
        min_value=5,
        max_value=240,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
    )
    mode = _mode_field()

    def __init__(self, *args, slots, zone, video: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["date"].required = False
        self.fields["mode"].label = gettext_lazy("Video or phone")
        self.set_slots(slots, zone)
        if not video:
            self.fields["mode"].choices = [(CheckIn.Mode.PHONE, CheckIn.Mode.PHONE.label)]
            self.fields["mode"].initial = CheckIn.Mode.PHONE

    def clean(self):
        data = super().clean()
        if data.get("slot"):
            data["starts_at"] = data["slot"]
            return data
        day, at = data.get("date"), data.get("time")
        if "date" in self.errors or "time" in self.errors:
            return data
        if day is None or at is None:
            self.add_error("slot", gettext_lazy("Choose a free slot, or enter a date and a start time."))
            return data
        starts_at = local_to_utc(day, at.hour * 60 + at.minute, self.zone)
        if starts_at is None:
            self.add_error("time", gettext_lazy("The clocks go forward at that time. Choose another time."))
            return data
        data["starts_at"] = starts_at
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened?"),
        choices=[(value, CheckIn.Status(value).label) for value in OUTCOMES],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what happened.")},
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes spent (if held)"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4", "inputmode": "numeric"}),
        error_messages={
            "invalid": gettext_lazy("Enter a whole number of minutes, like 30."),
            "min_value": gettext_lazy("Enter a number of minutes from 1 to 1,440."),
            "max_value": gettext_lazy("Enter a number of minutes from 1 to 1,440."),
        },
    )

    def __init__(self, *args, default_minutes: int, **kwargs):
        super().__init__(*args, prefix="outcome", **kwargs)
        self.fields["minutes"].initial = default_minutes
        self.fields["minutes"].help_text = gettext_lazy("Defaults to the booked length.")
