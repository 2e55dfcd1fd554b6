"""Filters behind Steady's nhsuk form templates (templates/forms/ and templates/django/forms/widgets/).

Django's widget context is a plain dict whose attribute names contain hyphens (``aria-invalid``),
which the template language cannot look up; these filters do that work in Python.
"""

from django import template
from django.forms import MultiWidget, RadioSelect
from django.forms.utils import flatatt

register = template.Library()

# Classes nhsuk-frontend gives each kind of <input>; None: leave it unstyled.
_INPUT_CLASSES = {
    "checkbox": "nhsuk-checkboxes__input",
    "radio": "nhsuk-radios__input",
    "file": "nhsuk-file-upload__input",
    "hidden": None,
}
_ERROR_MODIFIERS = {"nhsuk-input", "nhsuk-textarea", "nhsuk-select"}


def _is_invalid(attrs) -> bool:
    return attrs.get("aria-invalid") in ("true", True)


@register.filter
def nhsuk_class(widget, base=None):
    """The class attribute for a widget: nhsuk's class, its error modifier, then the widget's own.

    ``base`` names the nhsuk class ("nhsuk-select"); without it the class follows the input type.
    """
    attrs = widget.get("attrs", {})
    base = base or _INPUT_CLASSES.get(widget.get("type"), "nhsuk-input")
    classes = [base] if base else []
    if base in _ERROR_MODIFIERS and _is_invalid(attrs):
        classes.append(f"{base}--error")
    if base == "nhsuk-input" and attrs.get("autocomplete") == "one-time-code":
        # Sign-in and authenticator codes: a short box, with letters spaced for reading them off a phone.
        classes += ["nhsuk-input--width-10", "nhsuk-input--code"]
    if attrs.get("class"):
        classes.append(attrs["class"])
    return " ".join(classes)


@register.filter
def nhsuk_attrs(attrs, exclude="class"):
    """Render widget attributes as HTML, leaving out the space-separated names in ``exclude``.

    Placeholders are always left out: they vanish as people type and read as already filled in,
    so nhsuk (like GOV.UK) never uses them; hints go in help_text instead.
    """
    skip = set(exclude.split()) | {"placeholder"}
    return flatatt({name: value for name, value in attrs.items() if name not in skip})


@register.filter
def nhsuk_option_id(option):
    """The id of one radio or checkbox in a group.

    The first option takes the field's own id (Django gives it ``<id>_0``) so that the error
    summary's link to ``#<id>`` lands on it, as in nhsuk's and GOV.UK's radios.
    """
    option_id = option.get("attrs", {}).get("id", "")
    if option.get("index") == "0" and option_id.endswith("_0"):
        return option_id[:-2]
    return option_id


@register.filter
def nhsuk_error_anchor(bound_field):
    """The id the error summary links to for a field: the element that should get focus."""
    widget = bound_field.field.widget
    if isinstance(widget, RadioSelect):  # also CheckboxSelectMultiple
        return bound_field.auto_id
    if bound_field.id_for_label:
        return bound_field.id_for_label
    if isinstance(widget, MultiWidget) and bound_field.auto_id:
        return f"{bound_field.auto_id}_0"
    return bound_field.auto_id
