from django.forms.renderers import TemplatesSetting


class SteadyFormRenderer(TemplatesSetting):
    """Render every form the nhsuk way: label, hint, inline error, and an error summary on top."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
