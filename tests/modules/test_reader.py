"""The patient's home, programme overview and module reader; the therapist's plan page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from modules import plans
from modules.models import EngagementEvent, PageVisit, PlanChange
from tests.factories import EnrollmentFactory, make_program
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(enrollment):
    return make_program(weeks=9, pages=3, optional=2, program=enrollment.program)


@pytest.fixture
def plan(program, enrollment):
    plan = plans.plan_ensure(enrollment)
    plans.unlock_due(now=timezone.now())
    return plan


def open_modules(plan, count):
    for item in plan.items.order_by("position")[:count]:
        plans.unlock_item(item, now=timezone.now())


# --- Home -----------------------------------------------------------------------------------------


def test_home_shows_this_weeks_module_and_what_comes_next(patient, plan):
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "This week" in page
    assert "Module 1" in page
    assert "You have read 0 of 3 pages." in page
    assert "“Module 2” opens on" in page
    assert "Fill in today's diary" in page
    assert "Need help now?" in page


def test_home_shows_the_therapists_changes(patient, plan, therapist, program):
    plans.plan_add_module(plan=plan, module=program.modules.get(slug="m10"), by=therapist)
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Your therapist added “Module 10” to your programme." in page


@pytest.mark.parametrize("modules_open", [1, 8])
def test_home_query_count_does_not_grow_with_the_plan(patient, plan, modules_open):
    open_modules(plan, modules_open)
    client = client_for(patient)
    client.get(reverse("patient_home"))
    # session, user, roles, enrolment, plan, items, progress, changes, diary, open questionnaires,
    # the messages badge and the messages panel
    with assert_queries(12):
        assert client.get(reverse("patient_home")).status_code == 200


# --- Overview -------------------------------------------------------------------------------------


def test_overview_lists_locked_open_and_done_modules_with_dates(patient, plan):
    first = plan.items.get(module__slug="m1")
    plans.module_complete(item=first)
    page = client_for(patient).get(reverse("program_overview")).content.decode()
    assert "Finished on" in page
    assert "Opens on" in page
    assert page.count("Locked") == 8


# --- Reader ---------------------------------------------------------------------------------------


def test_reading_a_page_records_the_visit_and_starts_the_module(patient, plan, enrollment):
    client = client_for(patient)
    response = client.get(reverse("module_page", args=["m1", 2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Page 2 of 3" in page
    assert "M1 page 2" in page
    assert "<strong>plain</strong>" in page
    assert reverse("module_page", args=["m1", 1]) in page and reverse("module_page", args=["m1", 3]) in page
    client.get(reverse("module_page", args=["m1", 2]))
    visit = PageVisit.objects.get(enrollment=enrollment)
    assert visit.count == 2
    assert plan.items.get(module__slug="m1").started_at is not None
    kinds = list(EngagementEvent.objects.filter(enrollment=enrollment).values_list("kind", flat=True))
    assert kinds.count("module_started") == 1 and kinds.count("page_viewed") == 2


def test_module_detail_continues_at_the_first_unread_page(patient, plan):
    client = client_for(patient)
    assert client.get(reverse("module_detail", args=["m1"]))["Location"] == reverse("module_page", args=["m1", 1])
    client.get(reverse("module_page", args=["m1", 1]))
    assert client.get(reverse("module_detail", args=["m1"]))["Location"] == reverse("module_page", args=["m1", 2])


def test_locked_missing_and_out_of_range_pages_are_404(patient, plan):
    client = client_for(patient)
    assert client.get(reverse("module_page", args=["m2", 1])).status_code == 404
    assert client.get(reverse("module_page", args=["nope", 1])).status_code == 404
    assert client.get(reverse("module_page", args=["m1", 4])).status_code == 404
    assert client.get(reverse("module_page", args=["m1", 0])).status_code == 404


def test_another_patients_open_module_is_404(plan, other_patient, patient):
    assert client_for(other_patient).get(reverse("module_page", args=["m1", 1])).status_code == 404


def test_finishing_a_module(patient, plan, enrollment):
    client = client_for(patient)
    assert client.get(reverse("module_finish", args=["m1"])).status_code == 405
    response = client.post(reverse("module_finish", args=["m1"]), follow=True)
    assert "You have finished “Module 1”" in response.content.decode()
    assert plan.items.get(module__slug="m1").completed_at is not None
    client.post(reverse("module_finish", args=["m1"]))
    assert EngagementEvent.objects.filter(enrollment=enrollment, kind="module_completed").count() == 1


@pytest.mark.parametrize("pages", [1, 7])
def test_module_page_query_count_does_not_grow_with_pages(patient, enrollment, pages):
    make_program(weeks=1, pages=pages, optional=0, program=enrollment.program)
    plan = plans.plan_ensure(enrollment)
    open_modules(plan, 1)
    client = client_for(patient)
    client.get(reverse("module_page", args=["m1", 1]))
    # session, user, roles, enrolment, plan, item, pages; the visit (savepoint, update, event,
    # release); the page's exercises (none here: one query), the messages badge
    with assert_queries(14):
        assert client.get(reverse("module_page", args=["m1", 1])).status_code == 200


# --- Therapist's plan page ------------------------------------------------------------------------


def test_the_therapist_sees_and_tailors_the_plan(therapist, plan, enrollment, program):
    client = client_for(therapist)
    page = client.get(reverse("plan_detail", args=[enrollment.code])).content.decode()
    assert "Programme plan" in page and "Module 9" in page and "Module 10" in page
    url = reverse("plan_change", args=[enrollment.code])
    m10 = program.modules.get(slug="m10")
    response = client.post(url, {"action": "add", "module": m10.pk}, follow=True)
    assert "is added to the end of the plan" in response.content.decode()
    m3 = plan.items.get(module__slug="m3")
    client.post(url, {"action": "skip", "item": m3.pk})
    client.post(url, {"action": "unlock_next"})
    client.post(url, {"action": "extend", "weeks": 2})
    client.post(url, {"action": "pause"})
    client.post(url, {"action": "resume"})
    kinds = list(PlanChange.objects.filter(plan=plan).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["added", "skipped", "unlocked", "extended", "paused", "resumed"]
    audited = set(AuditEvent.objects.filter(enrollment=enrollment).values_list("action", flat=True))
    assert {"modules.plan.added", "modules.plan.skipped", "modules.plan.extended", "modules.plan.viewed"} <= audited


def test_bad_plan_changes_get_a_message_and_change_nothing(therapist, plan, enrollment):
    client = client_for(therapist)
    url = reverse("plan_change", args=[enrollment.code])
    response = client.post(url, {"action": "extend", "weeks": 99}, follow=True)
    assert "could not be made" in response.content.decode()
    response = client.post(url, {"action": "explode"}, follow=True)
    assert "could not be made" in response.content.decode()
    m1 = plan.items.get(module__slug="m1")
    response = client.post(url, {"action": "skip", "item": m1.pk}, follow=True)
    assert "has not opened yet can be skipped" in response.content.decode()
    assert not PlanChange.objects.exists()


def test_an_item_of_another_plan_is_404(therapist, plan, enrollment, cohort):
    other = EnrollmentFactory(cohort=cohort, therapist=therapist)
    other_plan = plans.plan_ensure(other)
    foreign = other_plan.items.first()
    response = client_for(therapist).post(
        reverse("plan_change", args=[enrollment.code]), {"action": "skip", "item": foreign.pk}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.skipped_at is None


def test_only_the_patients_therapist_may_change_the_plan(clinic_admin, other_therapist, plan, enrollment):
    url = reverse("plan_change", args=[enrollment.code])
    assert client_for(clinic_admin).post(url, {"action": "pause"}).status_code == 403
    assert client_for(other_therapist).post(url, {"action": "pause"}).status_code == 404
    assert not PlanChange.objects.exists()
    page = client_for(clinic_admin).get(reverse("plan_detail", args=[enrollment.code])).content.decode()
    assert "Change the plan" not in page


def test_the_patient_sees_a_paused_programme(patient, therapist, plan):
    plans.plan_pause(plan=plan, by=therapist)
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Your programme is paused." in page


def test_dates_show_in_the_patients_time_zone(patient, enrollment, program):
    enrollment.start_date = timezone.localdate() + datetime.timedelta(days=3)
    enrollment.save(update_fields=["start_date"])
    plans.plan_ensure(enrollment)
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Your programme starts on" in page


@pytest.mark.parametrize("modules_open", [1, 8])
def test_overview_query_count_does_not_grow_with_the_plan(patient, plan, modules_open):
    open_modules(plan, modules_open)
    client = client_for(patient)
    client.get(reverse("program_overview"))
    # session, user, roles, enrolment, plan, items, end date (count of items not skipped), the messages badge
    with assert_queries(8):
        assert client.get(reverse("program_overview")).status_code == 200


@pytest.mark.parametrize("changes", [1, 6])
def test_plan_page_query_count_does_not_grow(therapist, plan, enrollment, program, changes):
    for module in program.modules.filter(optional=True)[:1]:
        plans.plan_add_module(plan=plan, module=module, by=therapist)
    for _ in range(changes - 1):
        plans.plan_extend(plan=plan, weeks=1, by=therapist)
    client = client_for(therapist)
    client.get(reverse("plan_detail", args=[enrollment.code]))
    # session, user, roles, authenticator, enrolment, plan, audit, items, addable modules, changes,
    # end date (count of items not skipped), the messages and "To review" badges
    with assert_queries(13):
        assert client.get(reverse("plan_detail", args=[enrollment.code])).status_code == 200
