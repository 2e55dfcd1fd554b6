"""The report's filters: cohort, programme and a range of enrolment start dates.

With nothing chosen the report covers the whole clinic for all time. The same form reads the page's
query string, the CSV link's and the PDF request's POST, and ``params()`` turns a valid choice back
into strings, which is what a PDF export stores (reports.jobs: params hold no health data).
"""

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Clinic, Cohort, Enrollment
from config.forms import CachedModelChoiceField
from modules.models import Program

DATE_ERRORS = {"invalid": gettext_lazy("Enter a real date, like 2026-03-01.")}
FIELDS = ("cohort", "programme", "started_from", "started_to")


class ProgrammeChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} (v{obj.version})"


class ReportFilterForm(forms.Form):
    cohort = CachedModelChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=gettext_lazy("All cohorts"),
        error_messages={"invalid_choice": gettext_lazy("Choose a cohort from the list.")},
    )
    programme = ProgrammeChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=gettext_lazy("All programmes"),
        error_messages={"invalid_choice": gettext_lazy("Choose a programme from the list.")},
    )
    started_from = forms.DateField(
        label=gettext_lazy("Started on or after"),
        required=False,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    started_to = forms.DateField(
        label=gettext_lazy("Started on or before"),
        required=False,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["cohort"].queryset = Cohort.objects.filter(clinic=clinic).order_by("-start_date", "name")
        self.fields["programme"].queryset = (
            Program.objects.filter(cohorts__clinic=clinic).distinct().order_by("title", "-version")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("started_from"), data.get("started_to")
        if start and end and start > end:
            self.add_error("started_to", _("The end of the date range must be on or after its start."))
        return data

    def choices(self) -> dict:
        """The cleaned values (defaults when the form is unbound). Call after ``is_valid()``."""
        if not self.is_bound:
            return dict.fromkeys(FIELDS)
        return {name: self.cleaned_data.get(name) for name in FIELDS}

    def enrollments(self) -> QuerySet[Enrollment]:
        chosen = self.choices()
        enrollments = Enrollment.objects.filter(clinic=self.clinic)
        if chosen["cohort"]:
            enrollments = enrollments.filter(cohort=chosen["cohort"])
        if chosen["programme"]:
            enrollments = enrollments.filter(program=chosen["programme"])
        if chosen["started_from"]:
            enrollments = enrollments.filter(start_date__gte=chosen["started_from"])
        if chosen["started_to"]:
            enrollments = enrollments.filter(start_date__lte=chosen["started_to"])
        return enrollments

    def params(self) -> dict[str, str]:
        """The chosen filters as strings (only those set): for query strings and a PDF's params."""
        params = {}
        for name, value in self.choices().items():
            if isinstance(value, datetime.date):
                params[name] = value.isoformat()
            elif value is not None:
                params[name] = str(value.pk)
        return params

    def describe(self) -> str:
        """What the report covers, in words: "Whole clinic, all time" or the filters chosen."""
        chosen = self.choices()
        parts = []
        if chosen["cohort"]:
            parts.append(_("Cohort: %(name)s") % {"name": chosen["cohort"].name})
        if chosen["programme"]:
            parts.append(_("Programme: %(title)s") % {"title": chosen["programme"].title})
        parts.append(_dates(chosen["started_from"], chosen["started_to"]))
        if not chosen["cohort"] and not chosen["programme"]:
            parts.insert(0, _("Whole clinic"))
        return " · ".join(parts)


def _dates(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end:
        return _("started %(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}
    if start:
        return _("started on or after %(start)s") % {"start": _day(start)}
    if end:
        return _("started on or before %(end)s") % {"end": _day(end)}
    return _("all time")


def _day(day: datetime.date) -> str:
    return date_format(day, "j M Y")
