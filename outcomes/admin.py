from django import forms
from django.contrib import admin

from outcomes.instruments import REGISTRY
from outcomes.models import Alert, Assessment, MeasurementPlanEntry


class MeasurementPlanEntryForm(forms.ModelForm):
    class Meta:
        model = MeasurementPlanEntry
        fields = ["program", "occasion", "instruments"]

    def clean_instruments(self):
        keys = self.cleaned_data["instruments"]
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise forms.ValidationError('Give a list of instrument keys, e.g. ["phq9", "gad7"].')
        unknown = [key for key in keys if key not in REGISTRY]
        if unknown:
            raise forms.ValidationError(f"Unknown instrument(s): {', '.join(unknown)}. Known: {', '.join(REGISTRY)}.")
        if len(set(keys)) != len(keys):
            raise forms.ValidationError("Each instrument once per occasion.")
        return keys


@admin.register(MeasurementPlanEntry)
class MeasurementPlanEntryAdmin(admin.ModelAdmin):
    """Operators edit when each programme asks which questionnaires. Changes apply to what is still
    to come; nothing already opened, sent or answered changes."""

    form = MeasurementPlanEntryForm
    list_display = ["program", "occasion", "instruments"]
    list_filter = ["program", "occasion"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    # Operators see that questionnaires run, not what patients answered.
    list_display = ["pk", "instrument_key", "occasion", "status", "opens_at", "due_at"]
    list_filter = ["status", "instrument_key", "occasion_kind"]
    fields = ["instrument_key", "instrument_version", "occasion", "status", "opens_at", "due_at", "closes_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "tier", "created_at", "acknowledged_at", "escalated_at"]
    list_filter = ["kind", "tier"]
    fields = ["kind", "tier", "created_at", "acknowledged_at", "escalated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
