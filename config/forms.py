from django.forms.models import ModelChoiceField, ModelChoiceIterator
from django.forms.renderers import TemplatesSetting


class SteadyFormRenderer(TemplatesSetting):
    """Render every form the nhsuk way: label, hint, inline error, and an error summary on top."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class _CachedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.choice_objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.choice_objects()) + (self.field.empty_label is not None)


class CachedModelChoiceField(ModelChoiceField):
    """A ModelChoiceField that reads its choices once per form.

    Django's own iterates the queryset each time the choices are used, and a <select> uses them
    twice (``use_required_attribute`` peeks at the first choice), so a page's query count would
    depend on how its form is rendered.
    """

    iterator = _CachedChoiceIterator

    def _set_queryset(self, queryset):
        self._choice_objects = None
        super()._set_queryset(queryset)

    queryset = property(ModelChoiceField._get_queryset, _set_queryset)

    def choice_objects(self) -> list:
        if getattr(self, "_choice_objects", None) is None:
            self._choice_objects = list(self.queryset)
        return self._choice_objects

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._choice_objects = None
        return result
