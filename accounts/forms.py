from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User, time_zone_choices


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Reminders and dates are shown in this time zone."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone", "reminder_hour"]
        labels = {"name": _("Your name"), "reminder_hour": _("When should we send reminders?")}
        help_texts = {
            "name": _("This is how your therapist and clinic will see you."),
            "reminder_hour": _("E-mail reminders about questionnaires arrive at about this time of day."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name
