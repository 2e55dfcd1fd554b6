from django import forms
from django.utils.translation import gettext_lazy as _

from clinics.models import SupportRequest
from clinics.support import DESCRIPTION_MAX_CHARS, REPLY_MAX_CHARS


class SupportReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is the problem about?"),
        choices=SupportRequest.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the problem is about.")},
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Tell us what you were trying to do and what went wrong. Please do not write about your health "
            "here. This goes to the people who run Steady at your clinic, not to your therapist."
        ),
        error_messages={
            "required": _("Tell us what went wrong."),
            "max_length": _("Keep your description to 2,000 characters or fewer."),
        },
    )

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError(_("Tell us what went wrong."))
        return description


class SupportUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=SupportRequest.Status.choices,
        widget=forms.RadioSelect,
        help_text=_("The patient sees this status on their help page."),
        error_messages={"required": _("Choose a status."), "invalid_choice": _("Choose a status.")},
    )
    reply = forms.CharField(
        label=_("Reply to the patient"),
        required=False,
        max_length=REPLY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The patient reads this on their help page. When you add a reply or mark the problem solved, they "
            "get an e-mail saying there is an update; the e-mail does not contain your reply."
        ),
        error_messages={"max_length": _("Keep your reply to 2,000 characters or fewer.")},
    )
