from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from clinics import csv_import
from clinics.cohorts import NAME_TAKEN, CohortRequest
from clinics.forms import TherapistChoiceField, check_start_date
from clinics.imports import clinic_therapists
from clinics.models import Clinic, Cohort, ContactMode
from config.forms import CachedModelChoiceField

# clinics sits below modules in the dependency order (DESIGN.md) and must not import it; the
# cohort's foreign key already names the Program model, so the form reaches it through that.
Program = Cohort._meta.get_field("program").related_model


class ProgramChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} (version {obj.version})"


class CohortForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Something your team will recognise, like 'Spring 2027, evening group'."),
        error_messages={"required": _("Enter a name for the cohort.")},
    )
    program = ProgramChoiceField(
        label=_("Programme"),
        queryset=Program.objects.none(),
        empty_label=None,
        error_messages={"required": _("Choose a programme."), "invalid_choice": _("Choose a programme.")},
    )
    start_date = forms.DateField(
        label=_("Start date"),
        help_text=_("Week 1 opens on this day. Patients added later start on the day they are added."),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter a start date."), "invalid": _("Enter a real date, like 2027-03-01.")},
    )
    default_therapist = TherapistChoiceField(
        label=_("Default therapist"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No default"),
        help_text=_("Used for patients in a CSV file whose therapist is left blank."),
        error_messages={"invalid_choice": _("Choose a therapist of this clinic.")},
    )
    default_contact_mode = forms.ChoiceField(
        label=_("Default contact with the therapist"),
        choices=ContactMode.choices,
        widget=forms.RadioSelect,
        initial=ContactMode.ASYNC,
        error_messages={"required": _("Choose how patients keep in touch with their therapist.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The language of the invitation e-mails and of Steady for these patients."),
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        # Programmes every clinic may use, and this clinic's own copies.
        self.fields["program"].queryset = Program.objects.filter(Q(clinic=None) | Q(clinic=clinic)).order_by(
            "title", "-version"
        )
        self.fields["default_therapist"].queryset = clinic_therapists(clinic.pk).order_by("name")
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter a name for the cohort."))
        if Cohort.objects.filter(clinic=self.clinic, name__iexact=name).exists():
            raise forms.ValidationError(NAME_TAKEN)
        return name

    def clean_start_date(self):
        return check_start_date(self.cleaned_data["start_date"])

    def to_request(self) -> CohortRequest:
        data = self.cleaned_data
        return CohortRequest(
            name=data["name"],
            program_id=data["program"].pk,
            start_date=data["start_date"],
            default_therapist=data["default_therapist"],
            default_contact_mode=data["default_contact_mode"],
            language=data["language"],
        )


class EnrolmentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("At most 5,000 patients and 2 MB. In Excel, use Save As and choose 'CSV UTF-8'."),
        error_messages={
            "required": _("Choose a CSV file to upload."),
            "empty": _("The file is empty. Add a header row and one row for each patient."),
            "invalid": _("Choose a CSV file to upload."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_import.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB. Split it into smaller files."))
        return upload
