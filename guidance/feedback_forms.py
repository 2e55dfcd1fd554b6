import re

from django import forms
from django.utils.translation import gettext, gettext_lazy

from guidance.models import MESSAGE_MAX_CHARS
from guidance.services import normalise_body

GAP = re.compile(r"\[[^\[\]\n]{1,60}\]")
FEEDBACK_REQUIRED = gettext_lazy("Write your feedback before you send it.")
TEMPLATE_REQUIRED = gettext_lazy("Write the text of the template.")


def _body_field(label, help_text, required_message) -> forms.CharField:
    # No max_length: a maxlength attribute would cut pasted text short without saying so. The live
    # counter (static/js/messages.js) warns while typing; the server refuses with a clear message.
    return forms.CharField(
        label=label,
        help_text=help_text,
        strip=False,
        error_messages={"required": required_message},
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "class": "nhsuk-textarea",
                "data-steady-maxchars": MESSAGE_MAX_CHARS,
                "spellcheck": "true",
            }
        ),
    )


def _clean_body(body: str, required_message) -> str:
    body = normalise_body(body)
    if not body:
        raise forms.ValidationError(required_message)
    if len(body) > MESSAGE_MAX_CHARS:
        raise forms.ValidationError(
            gettext("This is %(length)s characters long. It can be up to %(limit)s characters: shorten it by %(over)s.")
            % {
                "length": f"{len(body):,}",
                "limit": f"{MESSAGE_MAX_CHARS:,}",
                "over": f"{len(body) - MESSAGE_MAX_CHARS:,}",
            }
        )
    return body


class FeedbackForm(forms.Form):
    body = _body_field(
        gettext_lazy("Your feedback"),
        gettext_lazy("The patient reads this beside their exercise and in your messages. Up to 5,000 characters."),
        FEEDBACK_REQUIRED,
    )
    # What the form was built from (guidance.feedback.response_basis): refuses a second send.
    basis = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def clean_body(self) -> str:
        body = _clean_body(self.cleaned_data["body"], FEEDBACK_REQUIRED)
        gap = GAP.search(body)
        if gap:
            # Starter templates leave gaps like "[their goal]" for something only this patient wrote.
            raise forms.ValidationError(
                gettext("Fill in the gap “%(gap)s” with your own words before you send.") % {"gap": gap.group(0)}
            )
        return body


class TemplateForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        help_text=gettext_lazy("A short name you will recognise in the list, like “Pacing: first week”."),
        max_length=120,
        error_messages={"required": gettext_lazy("Give the template a title.")},
    )
    module_slug = forms.ChoiceField(
        label=gettext_lazy("Module (optional)"),
        help_text=gettext_lazy("Offered first when you write feedback on this module. Leave it for any module."),
        required=False,
    )
    body = _body_field(
        gettext_lazy("Text"),
        gettext_lazy(
            "You can use {first_name}, {therapist_name}, {module_title} and {exercise_title}: "
            "they are filled in when you use the template."
        ),
        TEMPLATE_REQUIRED,
    )
    scope = forms.ChoiceField(label=gettext_lazy("Who can use it"), widget=forms.RadioSelect, required=True)

    def __init__(self, *args, module_choices, scope_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module_slug"].choices = [("", gettext_lazy("Any module")), *module_choices]
        # Asked only of someone who could save it in more than one place (both roles, or two clinics).
        if scope_choices and len(scope_choices) > 1:
            self.fields["scope"].choices = scope_choices
        else:
            del self.fields["scope"]

    def clean_body(self) -> str:
        return _clean_body(self.cleaned_data["body"], TEMPLATE_REQUIRED)

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()
