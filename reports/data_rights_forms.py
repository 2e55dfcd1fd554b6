"""Forms of "Download all my data" and of the clinic admin's withdraw and erase pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.data_rights import WithdrawReason
from reports.models import Export

MY_DATA_KINDS = {"pdf": Export.Kind.MY_DATA_PDF, "json": Export.Kind.MY_DATA_JSON}


class MyDataForm(forms.Form):
    """Which file: the page has one button per kind, each sending ``kind``."""

    kind = forms.ChoiceField(
        choices=[("pdf", _("PDF")), ("json", _("JSON"))],
        error_messages={
            "required": _("Choose which file you want: PDF or JSON."),
            "invalid_choice": _("Choose which file you want: PDF or JSON."),
        },
    )

    @property
    def export_kind(self) -> str:
        return MY_DATA_KINDS[self.cleaned_data["kind"]]


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the patient leaving?"),
        help_text=_("The reason is kept in the audit log, which cannot be changed later."),
        choices=WithdrawReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why the patient is leaving."),
            "invalid_choice": _("Choose one of the reasons shown."),
        },
    )


class EraseForm(forms.Form):
    """The admin types the patient's e-mail address: erasing the wrong person cannot be undone."""

    email = forms.CharField(
        label=_("Type the patient's e-mail address to confirm"),
        max_length=254,
        error_messages={"required": _("Type the patient's e-mail address to confirm.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )

    def __init__(self, *args, expected_email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.expected_email.lower():
            raise forms.ValidationError(
                _("That is not this patient's e-mail address. Type it exactly as it is shown above.")
            )
        return typed
