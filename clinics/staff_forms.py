from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic, Membership
from clinics.selectors import active_therapists
from config.forms import CachedModelChoiceField


class StaffInviteForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"), max_length=150, error_messages={"required": _("Enter the person's full name.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Their work address. They sign in with it, so it cannot be one a patient uses."),
        error_messages={
            "required": _("Enter the person's e-mail address."),
            "invalid": _("Enter an e-mail address in the right format, like name@example.com."),
        },
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        initial=Membership.Role.THERAPIST,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the person's full name."))
        return name


class TherapistMembershipField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.user.name or obj.user.email


class ReassignForm(forms.Form):
    """Which patients (ticked in the list, or all of the shown therapist's) go to which therapist.

    The patients' codes are checked by the service, which refuses the whole move if one of them is
    not an open patient of the clinic.
    """

    # A list of strings as posted; the service checks them (all or nothing).
    enrollments = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    to_therapist = TherapistMembershipField(
        label=_("Move them to"),
        queryset=Membership.objects.none(),
        empty_label=_("Choose a therapist"),
        error_messages={
            "required": _("Choose the therapist to move the patients to."),
            "invalid_choice": _("Choose a therapist who works at this clinic now."),
        },
    )
    move_all = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_therapist"].queryset = active_therapists(clinic).select_related("user")
