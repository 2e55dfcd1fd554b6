"""The research page's two forms: a new project, and a request for an export."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import Clinic, Cohort
from config.forms import CachedModelChoiceField
from modules.models import Program
from reports.models import ResearchProject
from reports.research_services import REASON_MIN_CHARS, clinic_programs, clinic_projects, reason_problem


class ProjectChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProgramChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} (version {obj.version})"


class ResearchProjectForm(forms.Form):
    name = forms.CharField(
        label=_("Project name"),
        max_length=200,
        help_text=_("For example, the study's name. It is shown in the export's data dictionary."),
        error_messages={
            "required": _("Enter a name for the project."),
            "max_length": _("Use a shorter name: at most 200 characters."),
        },
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class ResearchExportForm(forms.Form):
    project = ProjectChoiceField(
        label=_("Research project"),
        queryset=ResearchProject.objects.none(),
        empty_label=None,
        help_text=_("Pseudonyms are made with this project's own key."),
        error_messages={
            "required": _("Choose a research project."),
            "invalid_choice": _("Choose one of this clinic's research projects."),
        },
    )
    cohort = CachedModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=_("All cohorts"),
        error_messages={"invalid_choice": _("Choose one of this clinic's cohorts.")},
    )
    program = ProgramChoiceField(
        label=_("Programme"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("All programmes"),
        error_messages={"invalid_choice": _("Choose a programme this clinic runs.")},
    )
    identifiers = forms.BooleanField(
        label=_("Include names and e-mail addresses"),
        required=False,
        help_text=_("Only if the study's approval allows it. Without this, people are named by pseudonyms only."),
    )
    free_text = forms.BooleanField(
        label=_("Include free text (messages, exercise answers, diary notes)"),
        required=False,
        help_text=_("Free text is exported as people wrote it, so it may name people or places."),
    )
    reason = forms.CharField(
        label=_("Reason for including names, e-mail addresses or free text"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed if you tick either box above, at least %(n)s characters. For example: the ethics approval "
            "reference and who will see the data. It is kept in the clinic's audit record, not in the file."
        )
        % {"n": REASON_MIN_CHARS},
        error_messages={"max_length": _("Keep the reason to 1,000 characters or fewer.")},
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["project"].queryset = clinic_projects(clinic)
        self.fields["cohort"].queryset = Cohort.objects.filter(clinic=clinic).order_by("-start_date", "name")
        self.fields["program"].queryset = clinic_programs(clinic)

    def clean(self):
        cleaned = super().clean()
        problem = reason_problem(
            identifiers=bool(cleaned.get("identifiers")),
            free_text=bool(cleaned.get("free_text")),
            reason=cleaned.get("reason") or "",
        )
        if problem:
            self.add_error("reason", problem)
        return cleaned
