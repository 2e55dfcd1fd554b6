"""The therapist's dashboard (their home): rows, flags, order, filters, audit and query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clinics.models import AuditEvent, Enrollment
from guidance.models import CheckIn, Message
from guidance.services import thread_ensure
from modules import plans
from modules.models import EngagementEvent, Exercise, ExerciseResponse
from outcomes.models import Alert, Assessment
from tests.factories import CohortFactory, EnrollmentFactory, make_program
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

URL = "/caseload/"
NOW = timezone.now


def page_of(user, **params) -> str:
    response = client_for(user).get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def patient_message(enrollment, *, at=None, read=False):
    thread = thread_ensure(enrollment=enrollment)
    at = at or NOW()
    return Message.objects.create(
        thread=thread, author=enrollment.patient, body="Hello", created_at=at, read_at=at if read else None
    )


def completed(enrollment, key, total, *, band="", days_ago=0, occasion=None):
    at = NOW() - datetime.timedelta(days=days_ago)
    return Assessment.objects.create(
        enrollment=enrollment, instrument_key=key, instrument_version="v",
        occasion=occasion or f"week-{100 - days_ago}", occasion_kind="weekly",
        opens_at=at, due_at=at, closes_at=at, status=Assessment.Status.COMPLETED,
        total=total, band=band, submitted_at=at,
    )  # fmt: skip


def alert(enrollment, *, kind=Alert.Kind.RISK, tier=Alert.Tier.NORMAL):
    return Alert.objects.create(enrollment=enrollment, kind=kind, tier=tier)


# --- What a row shows --------------------------------------------------------------------------------


def test_it_lists_only_the_therapists_own_open_enrolments(
    therapist, enrollment, same_clinic_enrollment, other_clinic_enrollment
):
    withdrawn = EnrollmentFactory(cohort=enrollment.cohort, therapist=therapist, status=Enrollment.Status.WITHDRAWN)
    page = page_of(therapist)
    assert enrollment.patient.name in page
    assert reverse("enrollment_detail", args=[enrollment.code]) in page
    assert same_clinic_enrollment.patient.name not in page
    assert other_clinic_enrollment.patient.name not in page
    assert withdrawn.patient.name not in page
    assert "1 patient" in page


def test_it_is_the_therapists_home_and_hidden_from_others(therapist, patient, clinic_admin):
    assert client_for(therapist).get("/")["Location"] == URL
    assert client_for(patient).get(URL).status_code == 404
    assert client_for(clinic_admin).get(URL).status_code == 404


def test_a_row_shows_week_modules_and_cohort(therapist, enrollment):
    make_program(weeks=4, pages=1, optional=0, program=enrollment.program)
    enrollment.program.weeks = 4
    enrollment.program.save(update_fields=["weeks"])
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=8)
    enrollment.save(update_fields=["start_date"])
    plan = plans.plan_ensure(enrollment)
    plan.extra_weeks = 2
    plan.save(update_fields=["extra_weeks"])
    first = plan.items.get(position=1)
    plans.unlock_item(first, now=NOW())
    plans.module_complete(item=first)
    page = page_of(therapist)
    assert "Week 2 of 6" in page
    assert "1 of 4 modules done" in page
    assert enrollment.cohort.name in page
    assert "Behind schedule" not in page


@pytest.mark.parametrize(
    ("days", "words", "colour"),
    [
        (0, "Today", "green"),
        (2, "2 days ago", "green"),
        (4, "4 days ago", "orange"),
        (9, "No activity for 9 days", "red"),
    ],
)
def test_last_activity_is_shown_in_words_and_colour(therapist, enrollment, days, words, colour):
    EngagementEvent.objects.create(
        enrollment=enrollment, kind=EngagementEvent.Kind.PAGE_VIEWED, at=NOW() - datetime.timedelta(days=days)
    )
    page = page_of(therapist)
    assert f'nhsuk-tag--{colour}">{words}</strong>' in page


def test_last_activity_is_the_latest_of_events_messages_and_questionnaires(therapist, enrollment):
    EngagementEvent.objects.create(enrollment=enrollment, kind="page_viewed", at=NOW() - datetime.timedelta(days=10))
    completed(enrollment, "phq9", 5, days_ago=5)
    patient_message(enrollment, at=NOW() - datetime.timedelta(days=1), read=True)
    assert ">Yesterday</strong>" in page_of(therapist)


def test_a_patient_with_no_activity_says_so(therapist, enrollment):
    assert "No activity yet" in page_of(therapist)


def test_behind_schedule_when_module_one_is_not_finished_by_the_end_of_week_two(therapist, enrollment):
    make_program(weeks=3, pages=1, optional=0, program=enrollment.program)
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=15)
    enrollment.save(update_fields=["start_date"])
    plan = plans.plan_ensure(enrollment)
    plans.unlock_item(plan.items.get(position=1), now=NOW())
    assert "Behind schedule" in page_of(therapist)


def test_behind_schedule_with_two_opened_modules_unfinished(therapist, enrollment):
    make_program(weeks=3, pages=1, optional=0, program=enrollment.program)
    plan = plans.plan_ensure(enrollment)
    plans.unlock_item(plan.items.get(position=1), now=NOW())
    assert "Behind schedule" not in page_of(therapist)
    plans.unlock_item(plan.items.get(position=2), now=NOW())
    assert "Behind schedule" in page_of(therapist)


def test_unread_awaiting_feedback_and_next_checkin_are_counted(therapist, enrollment):
    patient_message(enrollment)
    patient_message(enrollment)
    patient_message(enrollment, read=True)
    make_program(weeks=1, pages=1, optional=0, program=enrollment.program)
    module = enrollment.program.modules.get(slug="m1")
    exercise = Exercise.objects.create(
        module=module, page=module.pages.first(), slug="e1", kind="reflection", title="E"
    )
    ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, submitted_at=NOW())
    starts = timezone.localtime(NOW() + datetime.timedelta(days=2)).replace(hour=10, minute=30)
    CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30),
        booked_by=therapist,
    )  # fmt: skip
    page = page_of(therapist)
    assert "2 unread messages" in page
    assert "1 exercise to give feedback on" in page
    assert f"{starts:%-d %b}, 10:30" in page


def test_latest_scores_show_band_and_direction(therapist, enrollment):
    completed(enrollment, "phq9", 14, band="moderate", days_ago=14)
    completed(enrollment, "phq9", 8, band="mild", days_ago=7)
    completed(enrollment, "gad7", 6, band="mild", days_ago=14)
    completed(enrollment, "gad7", 9, band="mild", days_ago=7)
    completed(enrollment, "peg3", 6.0, days_ago=7)
    page = page_of(therapist)
    assert "<strong>PHQ-9</strong> 8 (mild)" in page and "↓</span> better" in page
    assert "<strong>GAD-7</strong> 9 (mild)" in page and "↑</span> worse" in page
    assert "<strong>PEG</strong> 6</li>" in page


def test_open_alerts_are_counted_with_their_tier(therapist, enrollment):
    alert(enrollment, tier=Alert.Tier.URGENT)
    alert(enrollment, kind=Alert.Kind.OVERDUE)
    Alert.objects.create(enrollment=enrollment, kind="risk", acknowledged_at=NOW(), acknowledged_by=therapist)
    assert "Urgent: 2 open alerts" in page_of(therapist)


# --- Order ---------------------------------------------------------------------------------------------


def test_patients_are_sorted_by_need(therapist, cohort):
    names = ["Ann Quiet", "Bob Waiting Long", "Cat Risk", "Dan Urgent", "Eve Waiting Short"]
    people = {name: EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name=name) for name in names}
    alert(people["Dan Urgent"], tier=Alert.Tier.URGENT)
    alert(people["Cat Risk"])
    patient_message(people["Eve Waiting Short"], at=NOW() - datetime.timedelta(hours=1))
    patient_message(people["Bob Waiting Long"], at=NOW() - datetime.timedelta(days=2))
    page = page_of(therapist)
    order = sorted(names, key=page.index)
    assert order == ["Dan Urgent", "Cat Risk", "Bob Waiting Long", "Eve Waiting Short", "Ann Quiet"]


# --- Filters and search -----------------------------------------------------------------------------


@pytest.fixture
def two_patients(therapist, enrollment):
    other_cohort = CohortFactory(clinic=enrollment.clinic, program=enrollment.program, name="Spring group")
    second = EnrollmentFactory(
        cohort=other_cohort, therapist=therapist, patient__name="Tom Baker", contact_mode=Enrollment.ContactMode.SYNC
    )
    return enrollment, second


def test_search_by_name(therapist, two_patients):
    first, second = two_patients
    page = page_of(therapist, q="bak")
    assert second.patient.name in page and first.patient.name not in page


def test_filter_by_cohort_and_contact_mode(therapist, two_patients):
    first, second = two_patients
    page = page_of(therapist, cohort=second.cohort_id)
    assert second.patient.name in page and first.patient.name not in page
    page = page_of(therapist, contact="async")
    assert first.patient.name in page and second.patient.name not in page


def test_needs_attention_keeps_patients_with_something_to_do(therapist, two_patients):
    first, second = two_patients
    for enrollment in two_patients:  # both active today
        EngagementEvent.objects.create(enrollment=enrollment, kind="page_viewed")
    patient_message(second)
    page = page_of(therapist, attention="on")
    assert second.patient.name in page and first.patient.name not in page


def test_a_patient_who_never_started_needs_attention_after_a_week(therapist, enrollment):
    assert enrollment.patient.name not in page_of(therapist, attention="on")  # started 3 days ago
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=7)
    enrollment.save(update_fields=["start_date"])
    assert enrollment.patient.name in page_of(therapist, attention="on")


def test_no_activity_for_a_week_needs_attention(therapist, enrollment):
    EngagementEvent.objects.create(enrollment=enrollment, kind="page_viewed", at=NOW() - datetime.timedelta(days=8))
    assert enrollment.patient.name in page_of(therapist, attention="on")


def test_bad_filter_values_are_ignored_not_a_500(therapist, enrollment):
    page = page_of(therapist, cohort="not-a-number", contact="carrier-pigeon")
    assert enrollment.patient.name in page


def test_an_empty_result_says_so_in_words(therapist, enrollment):
    page = page_of(therapist, q="Nobody")
    assert "No patients match these filters." in page
    assert 'href="/caseload/"' in page


def test_htmx_gets_only_the_table(therapist, enrollment):
    response = client_for(therapist).get(URL, {"q": "Marg"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="caseload-table"')
    assert enrollment.patient.name in page
    assert "<html" not in page


def test_the_filter_form_works_without_javascript(therapist, enrollment):
    page = page_of(therapist)
    assert 'method="get" action="/caseload/"' in page
    assert 'hx-push-url="true"' in page
    assert "Show patients" in page


def test_viewing_is_audited_once(therapist, enrollment):
    client_for(therapist).get(URL)
    assert list(AuditEvent.objects.values_list("action", "actor", "actor_role")) == [
        ("guidance.caseload.viewed", therapist.pk, "therapist")
    ]


def test_it_refuses_post(therapist):
    assert client_for(therapist).post(URL).status_code == 405


def test_therapists_get_a_your_time_link(therapist, patient):
    assert 'href="/time/"' in page_of(therapist)
    assert 'href="/time/"' not in client_for(patient).get("/me/").content.decode()


# --- Query count -------------------------------------------------------------------------------------


def busy_patients(therapist, cohort, count):
    make_program(weeks=3, pages=1, optional=0, program=cohort.program)
    module = cohort.program.modules.get(slug="m1")
    exercise = Exercise.objects.create(
        module=module, page=module.pages.first(), slug="e1", kind="reflection", title="E"
    )
    for enrollment in EnrollmentFactory.create_batch(count, cohort=cohort, therapist=therapist):
        plan = plans.plan_ensure(enrollment)
        plans.unlock_item(plan.items.get(position=1), now=NOW())
        EngagementEvent.objects.create(enrollment=enrollment, kind="page_viewed")
        patient_message(enrollment)
        completed(enrollment, "phq9", 12, band="moderate", days_ago=7)
        completed(enrollment, "phq9", 9, band="mild", days_ago=1)
        completed(enrollment, "peg3", 5, days_ago=1)
        alert(enrollment)
        ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, submitted_at=NOW())
        starts = NOW() + datetime.timedelta(days=1, minutes=enrollment.pk * 40)
        CheckIn.objects.create(
            enrollment=enrollment, therapist=therapist, starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30), booked_by=therapist,
        )  # fmt: skip


# session, user, roles, authenticator (MFA), cohorts of the filter, enrolments with their figures,
# their plans' modules, latest scores, audit, the "Messages" badge, the "To review" badge.
DASHBOARD_QUERIES = 11


@pytest.mark.parametrize("count", [1, 60])
@pytest.mark.parametrize("params", [{}, {"attention": "on", "q": "Person"}, {"contact": "async"}])
def test_the_query_count_does_not_grow_with_patients(therapist, cohort, count, params):
    busy_patients(therapist, cohort, count)
    client = client_for(therapist)
    client.get(URL)  # the first request of a session stamps its start
    with assert_queries(DASHBOARD_QUERIES):
        response = client.get(URL, params)
    assert response.status_code == 200
    assert response.content.decode().count('href="/patients/') == count * 2  # name and unread messages


# --- In a browser ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_therapist_filters_the_dashboard_and_opens_a_patient_in_a_browser(browser, live_server, therapist, cohort):
    import re

    from guidance.models import ClinicalNote, TimeEntry
    from tests.accounts.test_login import totp_code
    from tests.browser import Visit
    from tests.factories import PASSWORD

    busy_patients(therapist, cohort, 4)
    first = Enrollment.objects.filter(therapist=therapist).order_by("pk").first()
    alert(first, tier=Alert.Tier.URGENT)
    completed(first, "gad7", 11, band="moderate", days_ago=3)
    ClinicalNote.objects.create(enrollment=first, author=therapist, body="Talked about pacing and sleep.")
    TimeEntry.objects.create(therapist=therapist, enrollment=first, activity="phone", minutes=15, note="Check call")
    context = browser.new_context(base_url=live_server.url)
    visit = Visit(context.new_page(), "guidance-dashboard")
    page = visit.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label(re.compile("code", re.I)).fill(totp_code(therapist))
    page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
    page.wait_for_url(re.compile(r"/caseload/$"))
    assert page.get_by_text("Urgent: 2 open alerts").is_visible()
    visit.check("caseload")

    page.get_by_label("Search by name").fill(first.patient.name)
    page.wait_for_url(re.compile(r"/caseload/\?.*q="))
    expect(page.locator("#caseload-table tbody tr")).to_have_count(1)  # htmx may push the URL before it swaps
    visit.check("caseload-search")

    page.get_by_role("link", name=first.patient.name).click()
    page.wait_for_url(re.compile(r"/patients/"))
    assert page.get_by_text("Talked about pacing and sleep.").is_visible()
    visit.check("patient")
    page.get_by_role("link", name="All time entries and add time").click()
    page.wait_for_url(re.compile(r"/time/$"))
    visit.check("ledger")
    page.goto("/time/")
    visit.check("my-time")
    context.close()
    assert visit.violations == {}, visit.violations
    assert visit.console_errors == []
