"""Right of access: every model with a path to a patient is in "download my data" or is left out
for a stated reason. A new model that is neither fails here until someone decides."""

from django.apps import apps
from django.db import models

from reports.my_data import EXCLUDED_MODELS, INCLUDED_MODELS

PEOPLE = {"accounts.user", "clinics.enrollment"}


def _points_to(model) -> set[str]:
    return {
        field.related_model._meta.label_lower
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.OneToOneField) and field.related_model is not None
    }


def models_with_a_path_to_a_patient() -> set[str]:
    everything = {model._meta.label_lower: model for model in apps.get_models()}
    direct = {label for label, model in everything.items() if _points_to(model) & PEOPLE}
    one_hop = {label for label, model in everything.items() if _points_to(model) & direct}
    return direct | one_hop | PEOPLE


def test_every_model_about_a_patient_is_included_or_excluded_with_a_reason():
    unclassified = sorted(models_with_a_path_to_a_patient() - set(INCLUDED_MODELS) - set(EXCLUDED_MODELS))
    assert unclassified == [], f"Decide whether these belong in 'download my data': {unclassified}"


def test_no_model_is_both_and_every_exclusion_says_why():
    assert not set(INCLUDED_MODELS) & set(EXCLUDED_MODELS)
    assert all(len(reason) > 20 for reason in EXCLUDED_MODELS.values())


def test_the_lists_name_only_real_models():
    real = {model._meta.label_lower for model in apps.get_models()}
    assert set(INCLUDED_MODELS) | set(EXCLUDED_MODELS) <= real
