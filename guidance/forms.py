from django import forms
from django.utils.translation import gettext_lazy

from guidance.models import MESSAGE_MAX_CHARS
from guidance.services import MessageError, check_body, normalise_body


class MessageForm(forms.Form):
    # No max_length: a maxlength attribute would cut a pasted message short without saying so. The
    # live counter (static/js/messages.js) warns while typing; the server refuses with a clear message.
    body = forms.CharField(
        label=gettext_lazy("Your message"),
        help_text=gettext_lazy("You can enter up to 5,000 characters."),
        strip=False,
        error_messages={"required": gettext_lazy("Write your message before you send it.")},
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "class": "nhsuk-textarea",
                "data-steady-maxchars": MESSAGE_MAX_CHARS,
                "spellcheck": "true",
            }
        ),
    )

    def clean_body(self) -> str:
        body = normalise_body(self.cleaned_data["body"])
        try:
            check_body(body)
        except MessageError as error:
            raise forms.ValidationError(str(error)) from None
        return body
