import datetime

from allauth.account.forms import RequestLoginCodeForm
from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User, time_zone_choices
from clinics.models import Clinic, Cohort, Enrollment, Membership
from clinics.roles import user_roles
from clinics.services import EnrolmentRequest
from config.forms import CachedModelChoiceField


class PatientLoginCodeForm(RequestLoginCodeForm):
    """Login by e-mailed code is for patients only.

    For a staff member's address the form behaves exactly as for an unknown address (no code is
    sent and nothing tells the two apart), so staff always sign in with password and authenticator.
    """

    def clean_email(self):
        email = super().clean_email()
        if getattr(self, "_user", None) is not None and user_roles(self._user).is_staff:
            self._user = None
        return email


def check_start_date(start: datetime.date) -> datetime.date:
    """A programme (a patient's or a cohort's) starts at most 4 weeks ago and within the next year."""
    today = timezone.localdate()
    if start < today - datetime.timedelta(days=28):
        raise forms.ValidationError(_("The start date can be at most 4 weeks ago."))
    if start > today + datetime.timedelta(days=365):
        raise forms.ValidationError(_("The start date must be within the next year."))
    return start


class TherapistChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.email


class EnrolPatientForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"), max_length=150, error_messages={"required": _("Enter the patient's full name.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send the invitation here. The patient signs in with this address."),
        error_messages={
            "required": _("Enter the patient's e-mail address."),
            "invalid": _("Enter an e-mail address in the right format, like name@example.com."),
        },
    )
    therapist = TherapistChoiceField(label=_("Therapist"), queryset=User.objects.none(), empty_label=None)
    contact_mode = forms.ChoiceField(
        label=_("Contact with the therapist"),
        choices=Enrollment.ContactMode.choices,
        widget=forms.RadioSelect,
        initial=Enrollment.ContactMode.ASYNC,
    )
    cohort = CachedModelChoiceField(label=_("Cohort"), queryset=Cohort.objects.none(), empty_label=None)
    start_date = forms.DateField(
        label=_("Start date"),
        error_messages={"required": _("Enter a start date."), "invalid": _("Enter a real date, like 2026-11-30.")},
        help_text=_("Week 1 opens on this day, in the patient's time zone."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time_zone = forms.ChoiceField(label=_("Patient's time zone"))

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["therapist"].queryset = User.objects.filter(
            memberships__clinic=clinic,
            memberships__role=Membership.Role.THERAPIST,
            memberships__is_active=True,
            is_active=True,
        ).order_by("name")
        self.fields["cohort"].queryset = Cohort.objects.filter(clinic=clinic, is_open=True).order_by("-start_date")
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["time_zone"].initial = clinic.time_zone
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the patient's full name."))
        return name

    def clean_start_date(self):
        return check_start_date(self.cleaned_data["start_date"])

    def to_request(self) -> EnrolmentRequest:
        data = self.cleaned_data
        return EnrolmentRequest(
            name=data["name"],
            email=data["email"],
            therapist=data["therapist"],
            contact_mode=data["contact_mode"],
            cohort=data["cohort"],
            start_date=data["start_date"],
            time_zone=data["time_zone"],
        )


class ChoosePasswordForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, error_messages={"required": _("Enter your name.")})
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Use at least 12 characters. A few words you will remember work well."),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        error_messages={"required": _("Type the password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same. Type them again."))
        elif password1:
            try:
                password_validation.validate_password(password1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ConsentForm(forms.Form):
    terms = forms.BooleanField(
        label=_("I have read and accept the terms of use."),
        error_messages={"required": _("Tick the box to accept the terms of use.")},
    )
    privacy = forms.BooleanField(
        label=_("I have read the privacy notice."),
        error_messages={"required": _("Tick the box to say you have read the privacy notice.")},
    )
    treatment = forms.BooleanField(
        label=_("I agree to take part in this programme, guided by a therapist from my clinic."),
        error_messages={"required": _("Tick the box to agree to take part.")},
    )

    def __init__(self, *args, needs_treatment_consent: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_treatment_consent:
            del self.fields["treatment"]
