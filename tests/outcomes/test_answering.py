"""Answering questionnaires: one instrument per page, progress saved as the patient goes, every required
item checked, scored once on submit, and the crisis resources shown at once for PHQ-9 item 9 above 0."""

import datetime
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent, Clinic
from modules.models import PlannedModule
from notifications.models import Notification
from notifications.services import dispatch_due
from outcomes import answering, schedule
from outcomes.instruments import available_instruments, get_instrument
from outcomes.models import Alert, Assessment, Occasion
from tests.factories import make_program
from tests.utils import assert_queries, client_for

CRISIS = "Call the Northside crisis line on 0800 000 111, day or night."


def make_assessment(enrollment, key="phq9", occasion="week-2", kind=Occasion.WEEKLY, position=0, **extra):
    now = timezone.now()
    fields = {
        "instrument_version": get_instrument(key).version,
        "occasion_kind": kind,
        "position": position,
        "opens_at": now - datetime.timedelta(days=1),
        "due_at": now + datetime.timedelta(days=2),
        "closes_at": now + datetime.timedelta(days=6),
        "status": Assessment.Status.OPEN,
        **extra,
    }
    return Assessment.objects.create(enrollment=enrollment, instrument_key=key, occasion=occasion, **fields)


def phq9(item9=0, others=0, difficulty=None) -> dict:
    answers = {f"phq9_{n}": others for n in range(1, 9)}
    answers["phq9_9"] = item9
    if difficulty is not None:
        answers["phq9_10"] = difficulty
    return answers


def url(assessment) -> str:
    return reverse("questionnaire_answer", args=[assessment.code])


@pytest.fixture
def crisis_clinic(enrollment):
    Clinic.objects.filter(pk=enrollment.clinic_id).update(crisis_text=CRISIS)
    return enrollment.clinic


@pytest.fixture
def weekly(enrollment):
    """The week-2 check: PEG first, then PHQ-9."""
    return (
        make_assessment(enrollment, "peg3", position=0),
        make_assessment(enrollment, "phq9", position=1),
    )


# --- Finding the next questionnaire -------------------------------------------------------------------


@pytest.mark.django_db
def test_next_goes_to_the_first_open_questionnaire(patient, weekly):
    response = client_for(patient).get(reverse("questionnaire_next"))
    assert response.status_code == 302
    assert response["Location"] == url(weekly[0])


@pytest.mark.django_db
def test_next_says_there_is_nothing_to_answer(patient, enrollment):
    make_assessment(enrollment, status=Assessment.Status.SCHEDULED)
    response = client_for(patient).get(reverse("questionnaire_next"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing to answer now" in page
    assert reverse("patient_home") in page


# --- The page --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_each_item_as_a_fieldset_of_radios(patient, weekly):
    response = client_for(patient).get(url(weekly[1]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Questionnaire 2 of 2" in page
    assert "Over the last 2 weeks, how often have you been bothered" in page
    assert page.count('<fieldset class="nhsuk-fieldset"') == 10
    assert "<legend" in page and "9. Thoughts that you would be better off dead" in page
    assert "10. If you checked off any problems" in page and "(optional)" in page
    assert page.count('type="radio"') == 40
    assert 'type="range"' not in page


@pytest.mark.django_db
def test_a_0_to_10_scale_is_eleven_radios_never_a_slider(patient, weekly):
    page = client_for(patient).get(url(weekly[0])).content.decode()
    assert "Questionnaire 1 of 2" in page
    assert page.count('name="peg_p"') == 11
    assert 'type="range"' not in page
    assert "0 – No pain" in page and "10 – Pain as bad as you can imagine" in page


@pytest.mark.django_db
def test_the_count_includes_what_was_answered_but_not_what_expired(patient, enrollment):
    make_assessment(enrollment, "peg3", position=0, status=Assessment.Status.COMPLETED)
    make_assessment(enrollment, "gad7", position=1, status=Assessment.Status.EXPIRED)
    current = make_assessment(enrollment, "phq9", position=2)
    make_assessment(enrollment, "k10", position=3)
    assert "Questionnaire 2 of 3" in client_for(patient).get(url(current)).content.decode()


def _first_answers(instrument) -> dict:
    """The lowest answer to every required item (optional ones left blank)."""
    return {item.key: item.options[0].value for item in instrument.items if item.required}


@pytest.mark.django_db
@pytest.mark.parametrize("key", [instrument.key for instrument in available_instruments()])
def test_every_questionnaire_can_be_answered(patient, enrollment, key):
    assessment = make_assessment(enrollment, key, occasion="post", kind=Occasion.POST)
    client = client_for(patient)
    page = client.get(url(assessment)).content.decode()
    instrument = get_instrument(key)
    assert instrument.title in page
    assert page.count('type="radio"') == sum(len(item.options) for item in instrument.items)
    response = client.post(url(assessment), {**_first_answers(instrument), "send": "1"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    result = client.get(url(assessment))
    assert result.status_code == 200
    assert "Your answers are saved" in result.content.decode()


@pytest.mark.django_db
def test_the_page_costs_a_fixed_number_of_queries(patient, weekly):
    client = client_for(patient)
    client.get(url(weekly[1]))
    # session, user, roles, enrolment, assessment, the occasion's questionnaires, the messages badge
    with assert_queries(7):
        assert client.get(url(weekly[1])).status_code == 200


# --- Saving progress -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_save_keeps_the_answers_so_far_and_a_reload_shows_them(patient, weekly):
    client = client_for(patient)
    assessment = weekly[1]
    response = client.post(url(assessment), {"phq9_1": "2", "phq9_2": "1", "save": "1"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.progress == {"phq9_1": 2, "phq9_2": 1}
    assert assessment.status == Assessment.Status.OPEN
    page = client.get(url(assessment)).content.decode()
    assert re.search(r'name="phq9_1" value="2"[^>]*checked', page)
    assert re.search(r'name="phq9_2" value="1"[^>]*checked', page)
    assert not re.search(r'name="phq9_3"[^>]*checked', page)


@pytest.mark.django_db
def test_htmx_saves_on_each_change_and_answers_with_a_small_status(patient, weekly):
    assessment = weekly[1]
    response = client_for(patient).post(url(assessment), {"phq9_1": "3", "save": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().strip() == "Saved"
    assessment.refresh_from_db()
    assert assessment.progress == {"phq9_1": 3}


@pytest.mark.django_db
def test_saving_keeps_only_valid_values(patient, weekly):
    assessment = weekly[1]
    client_for(patient).post(
        url(assessment),
        {"phq9_1": "1", "phq9_2": "7", "phq9_3": "abc", "phq9_4": "-1", "not_an_item": "2", "save": "1"},
        headers={"HX-Request": "true"},
    )
    assessment.refresh_from_db()
    assert assessment.progress == {"phq9_1": 1}


# --- Checking the answers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_answers_are_listed_and_nothing_is_completed(patient, weekly):
    assessment = weekly[1]
    answers = phq9()
    del answers["phq9_3"], answers["phq9_7"]
    response = client_for(patient).post(url(assessment), {**answers, "send": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_phq9_3">Choose an answer for question 3</a>' in page
    assert "Choose an answer for question 7" in page
    assert "Choose an answer for question 10" not in page  # the difficulty item is optional
    assert "nhsuk-form-group--error" in page and "nhsuk-error-message" in page
    assert "<title>Error:" in page
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.OPEN
    assert assessment.answers == {}
    assert assessment.progress["phq9_1"] == 0 and "phq9_3" not in assessment.progress  # kept for later
    assert not Alert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("garbage", ["abc", "4", "-1", "1.5", "", "0x1", "１"])
def test_out_of_range_or_garbage_values_get_a_clear_message(patient, weekly, garbage):
    assessment = weekly[1]
    response = client_for(patient).post(url(assessment), {**phq9(), "phq9_2": garbage, "send": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose one of the answers shown for question 2" in page or "Choose an answer for question 2" in page
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.OPEN


@pytest.mark.django_db
def test_answers_that_do_not_fit_together_are_refused_with_a_message(patient, enrollment):
    assessment = make_assessment(enrollment, "adverse_events", occasion="post", kind=Occasion.POST)
    response = client_for(patient).post(url(assessment), {"ae_any": "0", "ae_bother": "2", "send": "1"})
    assert response.status_code == 200
    assert "Please check your answers" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.OPEN


# --- Submitting ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_scores_and_stores_the_answers(patient, weekly):
    assessment = weekly[1]
    answers = {**phq9(others=1), "phq9_1": 3, "phq9_10": 1}
    response = client_for(patient).post(url(assessment), {**answers, "send": "1"})
    assert response.status_code == 302 and response["Location"] == url(assessment)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    assert assessment.answers == answers  # the difficulty item is stored ...
    assert assessment.total == 10  # ... and not scored: 3 + 7 x 1
    assert assessment.band == "moderate"
    assert assessment.flags == []
    assert assessment.submitted_at is not None
    assert assessment.progress == {}
    assert not Alert.objects.exists()
    # One audit row for the write, naming the questionnaire and never what was answered.
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.actor, event.object_id) == (
        "outcomes.assessment.submitted",
        patient,
        str(assessment.code),
    )


@pytest.mark.django_db
def test_the_result_says_what_the_score_means_and_offers_the_next_one(patient, weekly):
    client = client_for(patient)
    client.post(url(weekly[0]), {"peg_p": "6", "peg_e": "4", "peg_g": "5", "send": "1"})
    page = client.get(url(weekly[0])).content.decode()
    assert "Your score for pain and how much it gets in the way of your life was 5 out of 10." in page
    assert reverse("questionnaire_next") in page and "Next questionnaire" in page
    client.post(url(weekly[1]), {**phq9(), "send": "1"})
    page = client.get(url(weekly[1])).content.decode()
    assert "few or no signs of low mood" in page
    assert "Next questionnaire" not in page and "Back to your home page" in page
    assert CRISIS not in page and "If you need help now" not in page


@pytest.mark.django_db
def test_a_clinic_can_hide_what_the_score_means(patient, weekly, enrollment):
    Clinic.objects.filter(pk=enrollment.clinic_id).update(show_scores_to_patients=False)
    client = client_for(patient)
    client.post(url(weekly[0]), {"peg_p": "6", "peg_e": "4", "peg_g": "5", "send": "1"})
    page = client.get(url(weekly[0])).content.decode()
    assert "out of 10" not in page
    assert "Your therapist will look at your answers with you." in page


@pytest.mark.django_db
def test_item_9_above_0_shows_the_crisis_resources_first_whatever_the_total(patient, weekly, crisis_clinic, therapist):
    client = client_for(patient)
    response = client.post(url(weekly[1]), {**phq9(item9=1), "send": "1"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assessment = Assessment.objects.get(pk=weekly[1].pk)
    assert assessment.total == 1 and assessment.band == "minimal"
    main = page[page.index('id="maincontent"') :]
    assert CRISIS in main
    assert main.index(CRISIS) < main.index("<h1")  # before anything else
    assert 'role="alert"' in main[: main.index(CRISIS)]
    assert "We have told your therapist about your answers." in page
    assert "Messages in Steady are not an emergency service" in page
    assert "few or no signs" not in page  # never "all is well" next to a risk answer
    # ... and again when the patient comes back to the page later.
    assert CRISIS in client.get(url(weekly[1])).content.decode()


@pytest.mark.django_db
def test_item_9_of_1_raises_one_normal_risk_alert_and_tells_the_therapist_without_health_data(
    patient, weekly, therapist
):
    client_for(patient).post(url(weekly[1]), {**phq9(item9=1), "send": "1"})
    alert = Alert.objects.get()
    assert (alert.kind, alert.tier, alert.assessment_id) == (Alert.Kind.RISK, Alert.Tier.NORMAL, weekly[1].pk)
    assert alert.enrollment_id == weekly[1].enrollment_id
    notification = Notification.objects.get()
    assert notification.user == therapist and notification.kind == "outcomes.alert_raised"
    assert notification.context == {"alert_code": str(alert.code)}
    dispatch_due()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [therapist.email]
    assert email.subject == "There is something for you to look at in Steady"
    assert reverse("alert_list") in email.body
    text = (email.subject + email.body).lower()
    for word in ("phq", "risk", "harm", "dead", "score", "urgent", "margaret", "question"):
        assert word not in text


@pytest.mark.django_db
@pytest.mark.parametrize("item9", [2, 3])
def test_item_9_of_2_or_more_is_urgent(patient, weekly, item9):
    client_for(patient).post(url(weekly[1]), {**phq9(item9=item9), "send": "1"})
    assert Alert.objects.get().tier == Alert.Tier.URGENT
    assert Assessment.objects.get(pk=weekly[1].pk).flags == ["risk", "urgent"]


@pytest.mark.django_db
def test_submitting_twice_stores_one_result_and_one_alert(patient, weekly):
    first_tab, second_tab = client_for(patient), client_for(patient)
    assert first_tab.post(url(weekly[1]), {**phq9(item9=2), "send": "1"}).status_code == 302
    submitted_at = Assessment.objects.get(pk=weekly[1].pk).submitted_at
    # A double click, and a second tab with other answers: both just see the result.
    assert first_tab.post(url(weekly[1]), {**phq9(item9=2), "send": "1"}).status_code == 302
    response = second_tab.post(url(weekly[1]), {**phq9(item9=0, others=3), "send": "1"}, follow=True)
    assert response.status_code == 200 and "Your answers are saved" in response.content.decode()
    assessment = Assessment.objects.get(pk=weekly[1].pk)
    assert assessment.answers == phq9(item9=2) and assessment.submitted_at == submitted_at
    assert Alert.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_save_after_sending_changes_nothing(patient, weekly):
    client = client_for(patient)
    client.post(url(weekly[1]), {**phq9(), "send": "1"})
    response = client.post(url(weekly[1]), {"phq9_1": "3", "save": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "already been sent" in response.content.decode()
    assert Assessment.objects.get(pk=weekly[1].pk).progress == {}


@pytest.mark.django_db
def test_a_rise_of_6_on_phq9_since_the_baseline_raises_a_deterioration_alert(patient, enrollment, therapist):
    make_assessment(
        enrollment, "phq9", occasion="baseline", kind=Occasion.BASELINE, status=Assessment.Status.COMPLETED, total=4
    )
    small = make_assessment(enrollment, "phq9", occasion="week-2")
    big = make_assessment(enrollment, "phq9", occasion="week-3")
    client = client_for(patient)
    client.post(url(small), {**phq9(others=1), "phq9_1": 0, "send": "1"})  # 7: a rise of 3
    assert not Alert.objects.exists()
    client.post(url(big), {**phq9(others=1), "phq9_1": 3, "send": "1"})  # 10: a rise of 6
    alert = Alert.objects.get()
    assert (alert.kind, alert.tier, alert.assessment_id) == (Alert.Kind.DETERIORATION, Alert.Tier.NORMAL, big.pk)
    assert Notification.objects.filter(user=therapist, kind="outcomes.alert_raised").count() == 1


@pytest.mark.django_db
def test_an_expired_questionnaire_is_not_found_and_a_closed_one_is_not_stored(patient, enrollment):
    expired = make_assessment(enrollment, status=Assessment.Status.EXPIRED)
    assert client_for(patient).get(url(expired)).status_code == 404
    assert client_for(patient).post(url(expired), {**phq9(), "send": "1"}).status_code == 404


# --- The baseline and module 1 ---------------------------------------------------------------------


@pytest.mark.django_db
def test_completing_the_baseline_lifts_module_ones_gate(patient, enrollment, django_capture_on_commit_callbacks):
    make_program(weeks=3, pages=1, optional=0, program=enrollment.program)
    schedule.schedule_sync(enrollment)
    schedule.open_due()
    first = enrollment.plan.items.order_by("position").first()
    assert first.gate == PlannedModule.Gate.BASELINE
    baseline = list(schedule.open_assessments(enrollment).filter(occasion_kind=Occasion.BASELINE))
    assert len(baseline) == 6
    client = client_for(patient)
    for assessment in baseline:
        with django_capture_on_commit_callbacks(execute=True):
            answers = _first_answers(get_instrument(assessment.instrument_key))
            assert client.post(url(assessment), {**answers, "send": "1"}).status_code == 302
        first.refresh_from_db()
        assert (first.gate == "") == (assessment == baseline[-1])
    assert first.unlocked_at is not None
    assert client.get(reverse("questionnaire_next")).status_code == 200  # nothing left to answer


# --- The home panel --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_home_page_shows_the_questionnaires_while_some_are_open(patient, enrollment, weekly):
    make_program(weeks=3, pages=1, optional=0, program=enrollment.program)
    client = client_for(patient)
    page = client.get(reverse("patient_home")).content.decode()
    assert "You have 2 short questionnaires to answer." in page
    assert reverse("questionnaire_next") in page
    Assessment.objects.filter(pk=weekly[0].pk).update(status=Assessment.Status.COMPLETED)
    assert "You have 1 short questionnaire to answer." in client.get(reverse("patient_home")).content.decode()
    Assessment.objects.filter(pk=weekly[1].pk).update(status=Assessment.Status.EXPIRED)
    page = client.get(reverse("patient_home")).content.decode()
    assert "short questionnaire" not in page and reverse("questionnaire_next") not in page


# --- Who may answer --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_hides_other_patients_questionnaires(other_patient, weekly):
    client = client_for(other_patient)
    assert client.get(url(weekly[1])).status_code == 404
    assert client.post(url(weekly[1]), {**phq9(), "send": "1"}).status_code == 404
    assert Assessment.objects.get(pk=weekly[1].pk).status == Assessment.Status.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["therapist", "clinic_admin", "operator"])
def test_staff_have_no_questionnaire_pages(request, persona, weekly):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("questionnaire_next")).status_code == 404
    assert client.get(url(weekly[1])).status_code == 404
    assert client.post(url(weekly[1]), {**phq9(), "send": "1"}).status_code == 404


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_sign_in(weekly, client):
    response = client.get(url(weekly[1]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- Twenty submits at once (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_store_one_result_and_one_alert(patient, weekly, therapist, monkeypatch):
    assessment = weekly[1]
    clients = [client_for(patient) for _ in range(20)]
    barrier = threading.Barrier(len(clients))
    statuses, errors, stored = [], [], []
    submit_once = answering.assessment_submit

    def counting_submit(**kwargs):
        result = submit_once(**kwargs)
        stored.append(result.created)
        return result

    monkeypatch.setattr(answering, "assessment_submit", counting_submit)

    def submit(client):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(url(assessment), {**phq9(item9=2), "send": "1"}).status_code)
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert statuses == [302] * 20
    # Exactly one request stored the answers; the others found them stored (inside the locked
    # transaction) or saw the questionnaire completed before they got that far.
    assert stored.count(True) == 1
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED and assessment.total == 2
    assert Alert.objects.filter(assessment=assessment).count() == 1
    assert Notification.objects.filter(kind="outcomes.alert_raised").count() == 1
