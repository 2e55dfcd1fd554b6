"""Feedback templates (personal, clinic-wide, the built-in starter set) and the writing guide."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from guidance import feedback as service
from guidance.models import FeedbackTemplate
from modules.content import read_program
from tests.factories import MembershipFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"
LIST = "/feedback/templates/"
NEW = "/feedback/templates/new/"


def edit_url(template):
    return reverse("feedback_template_edit", args=[template.code])


def delete_url(template):
    return reverse("feedback_template_delete", args=[template.code])


@pytest.fixture
def mine(clinic, therapist):
    return FeedbackTemplate.objects.create(
        clinic=clinic, owner=therapist, title="My pacing note", body="Hi {first_name}"
    )


@pytest.fixture
def shared(clinic):
    return FeedbackTemplate.objects.create(clinic=clinic, title="Clinic welcome", body="Welcome from the clinic")


def test_the_list_shows_mine_the_clinics_and_the_starters(therapist, mine, shared, other_therapist, clinic):
    FeedbackTemplate.objects.create(clinic=clinic, owner=other_therapist, title="Not yours", body="x")
    page = client_for(therapist).get(LIST).content.decode()
    assert "My pacing note" in page and "Clinic welcome" in page
    assert "Not yours" not in page
    assert f'href="{edit_url(mine)}"' in page
    assert f'href="{edit_url(shared)}"' not in page  # a therapist does not change the clinic's templates
    assert "Copy and change" not in page  # no programme in these clinics: no starters to offer


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_costs_the_same_queries_at_1_and_20_templates(therapist, clinic, count):
    for n in range(count):
        FeedbackTemplate.objects.create(clinic=clinic, owner=therapist, title=f"Template {n}", body="Text")
        FeedbackTemplate.objects.create(clinic=clinic, title=f"Shared {n}", body="Text")
    client = client_for(therapist)
    with assert_queries(11):
        page = client.get(LIST).content.decode()
    assert len(re.findall(r">Template \d+</h3>", page)) == count
    assert len(re.findall(r">Shared \d+</h3>", page)) == count


def test_a_therapist_writes_a_personal_template(therapist, clinic):
    client = client_for(therapist)
    answer = client.post(NEW, {"title": "Quick thanks", "module_slug": "", "body": "Thanks {first_name}!"})
    assert answer.status_code == 302
    template = FeedbackTemplate.objects.get()
    assert (template.owner, template.clinic, template.body) == (therapist, clinic, "Thanks {first_name}!")


def test_a_clinic_admin_writes_a_clinic_wide_template(clinic_admin, clinic, therapist):
    client_for(clinic_admin).post(NEW, {"title": "Shared", "module_slug": "", "body": "For all"})
    template = FeedbackTemplate.objects.get()
    assert (template.owner, template.clinic) == (None, clinic)
    assert "Shared" in client_for(therapist).get(LIST).content.decode()


def test_someone_with_both_roles_chooses(clinic, therapist):
    MembershipFactory(clinic=clinic, user=therapist, role="admin")
    client = client_for(therapist)
    assert "Everyone at Northside Pain Service" in client.get(NEW).content.decode()
    client.post(NEW, {"title": "Shared", "module_slug": "", "body": "x", "scope": f"clinic:{clinic.pk}"})
    assert FeedbackTemplate.objects.get().owner is None


def test_a_scope_outside_the_users_clinics_is_refused(therapist, other_clinic):
    answer = client_for(therapist).post(
        NEW, {"title": "T", "module_slug": "", "body": "x", "scope": f"clinic:{other_clinic.pk}"}
    )
    assert answer.status_code == 302  # with one place to save it, nothing is asked and a posted value is ignored
    assert FeedbackTemplate.objects.get().clinic != other_clinic


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "body": "x"}, "Give the template a title."),
        ({"title": "T", "body": ""}, "Write the text of the template."),
        ({"title": "T", "body": "x" * 5001}, "It can be up to 5,000 characters"),
        ({"title": "T", "body": "x", "module_slug": "no-such-module"}, "Select a valid choice"),
    ],
)
def test_bad_templates_are_refused_next_to_the_field(therapist, data, error):
    answer = client_for(therapist).post(NEW, {"module_slug": "", **data})
    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not FeedbackTemplate.objects.exists()


def test_the_owner_changes_and_deletes_their_template(therapist, mine):
    client = client_for(therapist)
    assert client.post(edit_url(mine), {"title": "Renamed", "module_slug": "", "body": "New"}).status_code == 302
    mine.refresh_from_db()
    assert (mine.title, mine.body) == ("Renamed", "New")
    assert client.get(delete_url(mine)).status_code == 405
    assert client.post(delete_url(mine)).status_code == 302
    assert not FeedbackTemplate.objects.exists()


@pytest.mark.parametrize("who", ["other_therapist", "clinic_admin", "patient", "other_clinic_admin"])
def test_others_cannot_change_a_personal_template(request, who, mine):
    client = client_for(request.getfixturevalue(who))
    assert client.post(edit_url(mine), {"title": "Hacked", "module_slug": "", "body": "x"}).status_code == 404
    assert client.post(delete_url(mine)).status_code == 404
    mine.refresh_from_db()
    assert mine.title == "My pacing note"


def test_only_the_clinics_admins_change_a_clinic_template(clinic_admin, therapist, other_clinic_admin, shared):
    assert client_for(therapist).get(edit_url(shared)).status_code == 404
    assert client_for(other_clinic_admin).get(edit_url(shared)).status_code == 404
    client_for(clinic_admin).post(edit_url(shared), {"title": "Clinic hello", "module_slug": "", "body": "Hello"})
    shared.refresh_from_db()
    assert shared.title == "Clinic hello"


def test_a_starter_can_be_copied_and_changed(therapist, enrollment):
    from tests.factories import make_program

    make_program(weeks=1, pages=1, optional=0, program=enrollment.program)
    enrollment.program.modules.filter(slug="m1").update(slug="pacing", title="Pacing your activities")
    page = client_for(therapist).get(LIST).content.decode()
    starter = service.starters_for("pacing")[0]
    copy_url = f"{NEW}?starter={starter.key.replace(':', '%3A')}"
    assert "Pacing your activities" in page and copy_url in page
    form = client_for(therapist).get(copy_url).content.decode()
    assert starter.title in form and "Hello {first_name}," in form


# --- The starter set and the guide ----------------------------------------------------------------


def test_every_module_of_the_programme_has_starters_with_known_placeholders():
    modules = read_program(SHIPPED).modules
    for module in modules:
        starters = service.starters_for(module.slug)
        assert 2 <= len(starters) <= 3, module.slug
        for starter in starters:
            used = set(re.findall(r"\{(\w+)\}", starter.body + starter.title))
            assert used and used <= set(service.PLACEHOLDERS), (starter.key, used)
    assert set(service.starter_templates()) <= {m.slug for m in modules}  # no starters for modules that do not exist


def test_placeholders_are_filled_and_unknown_braces_kept():
    values = {"first_name": "Jean", "therapist_name": "Sam"}
    assert (
        service.fill_placeholders("Hi {first_name}, {nope} {first_name {} }", values)
        == "Hi Jean, {nope} {first_name {} }"
    )


@pytest.mark.parametrize("who", ["therapist", "clinic_admin"])
def test_the_guide_is_there_for_staff_with_the_safety_rule(request, who):
    page = client_for(request.getfixturevalue(who)).get(reverse("feedback_guide")).content.decode()
    assert "Writing good feedback" in page
    assert "Phone the patient" in page and "alerts" in page
    assert "Weak" in page and "Strong" in page
