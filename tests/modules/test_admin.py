"""Operators edit programmes in Django admin: preview pages and clone a programme for a clinic."""

from pathlib import Path

import pytest
from django.urls import reverse

from modules.admin import program_clone
from modules.content import load_program
from modules.models import Exercise, Module, Page, Program
from tests.utils import client_for

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


@pytest.fixture
def program():
    return load_program(SHIPPED).program


def test_an_operator_previews_a_page_as_patients_see_it(operator, program):
    page = Page.objects.filter(module__program=program, exercises__isnull=False).first()
    response = client_for(operator).get(reverse("admin:modules_page_preview", args=[page.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "This is how patients see this page." in text
    assert page.title in text
    assert page.exercises.first().title in text


def test_the_page_form_shows_the_rendered_text(operator, program):
    page = Page.objects.filter(module__program=program).first()
    response = client_for(operator).get(reverse("admin:modules_page_change", args=[page.pk]))
    assert response.status_code == 200
    assert "Preview of the saved text" in response.content.decode()


def test_staff_who_are_not_operators_cannot_reach_the_preview(clinic_admin, program):
    page = Page.objects.filter(module__program=program).first()
    response = client_for(clinic_admin).get(reverse("admin:modules_page_preview", args=[page.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_cloning_copies_every_module_page_and_exercise_for_the_clinic(operator, program, clinic):
    response = client_for(operator).post(
        reverse("admin:modules_program_clone", args=[program.pk]),
        {"clinic": clinic.pk, "title": "Living well (Northside)"},
    )
    assert response.status_code == 302
    clone = Program.objects.get(clinic=clinic)
    assert (clone.title, clone.slug, clone.cloned_from) == ("Living well (Northside)", "living-well-northside", program)
    for model, field in ((Module, "program"), (Page, "module__program"), (Exercise, "module__program")):
        assert model.objects.filter(**{field: clone}).count() == model.objects.filter(**{field: program}).count()
    copied = Exercise.objects.filter(module__program=clone).select_related("page", "module").first()
    assert copied.page.module_id == copied.module_id


def test_a_second_clone_for_the_same_clinic_gets_its_own_slug(program, clinic):
    first = program_clone(program=program, clinic=clinic, title="A")
    second = program_clone(program=program, clinic=clinic, title="B")
    assert first.slug != second.slug
