"""Weekly feedback: the "To review" queue, writing feedback, and what the patient sees."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from clinics.roles import user_roles
from guidance import feedback as service
from guidance.models import Feedback, FeedbackTemplate, Message, TimeEntry
from guidance.services import MessageError
from modules import plans
from modules.exercises import response_submit
from modules.models import Exercise, Module
from tests.factories import EnrollmentFactory, make_program
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

REFLECTION = {
    "questions": [
        {"key": "noticed", "label": "What did you notice?"},
        {"key": "helped", "label": "What helped?"},
    ]
}


def add_exercise(module: Module, slug: str, title: str) -> Exercise:
    return Exercise.objects.create(
        module=module, page=module.pages.first(), slug=slug, kind=Exercise.Kind.REFLECTION, title=title,
        config=REFLECTION,
    )  # fmt: skip


@pytest.fixture
def program(enrollment):
    program = make_program(weeks=3, pages=2, optional=0, program=enrollment.program)
    add_exercise(program.modules.get(slug="m1"), "story", "Your pain story")
    add_exercise(program.modules.get(slug="m1"), "tried", "What you have tried")
    add_exercise(program.modules.get(slug="m2"), "goal", "Your first goal")
    return program


@pytest.fixture
def plan(enrollment, program):
    plan = plans.plan_ensure(enrollment)
    plans.unlock_item(plan.items.get(module__slug="m1"), now=timezone.now())
    return plan


def submit(enrollment, slug="story", noticed="My back hurts less after a walk", at=None):
    exercise = Exercise.objects.get(module__program=enrollment.program, slug=slug)
    current = exercise.responses.filter(enrollment=enrollment).first()
    response = response_submit(
        enrollment=enrollment, exercise=exercise, data={"noticed": noticed, "helped": "Resting"},
        base_version=current.version if current else 0,
    )  # fmt: skip
    if at is not None:
        type(response).objects.filter(pk=response.pk).update(submitted_at=at)
        response.refresh_from_db()
    return response


def write_url(enrollment, module="m1", exercise="story"):
    url = reverse("feedback_write", args=[enrollment.code, module])
    return f"{url}?exercise={exercise}" if exercise else url


def give(enrollment, therapist, response, body="Thank you, that is a good start."):
    module = response.exercise.module if response else enrollment.program.modules.get(slug="m1")
    earlier = service.module_feedback(enrollment, module)
    return service.feedback_give(
        enrollment=enrollment, module=module, response=response, author=therapist, body=body,
        basis=service.response_basis(response, earlier),
    )  # fmt: skip


# --- The queue ------------------------------------------------------------------------------------


def test_the_queue_lists_submitted_work_oldest_first(therapist, enrollment, plan):
    now = timezone.now()
    submit(enrollment, "tried", at=now - datetime.timedelta(hours=2))
    submit(enrollment, "story", at=now - datetime.timedelta(days=3))
    response = client_for(therapist).get(reverse("review_queue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Margaret Hill" in page
    assert page.index("Your pain story") < page.index("What you have tried")
    assert "3\xa0days" in page  # how long it has waited
    assert f'href="{write_url(enrollment)}"' in page
    assert "How to write good feedback" in page


def test_the_queue_hides_other_therapists_patients(
    therapist, other_therapist, enrollment, same_clinic_enrollment, plan
):
    plans.plan_ensure(same_clinic_enrollment)
    submit(same_clinic_enrollment)
    page = client_for(therapist).get(reverse("review_queue")).content.decode()
    assert "David Evans" not in page
    assert "Nothing to review" in page
    assert "David Evans" in client_for(other_therapist).get(reverse("review_queue")).content.decode()


def test_work_leaves_the_queue_with_feedback_and_comes_back_when_sent_again(therapist, enrollment, plan):
    response = submit(enrollment)
    give(enrollment, therapist, response)
    assert service.review_rows(therapist) == []
    submit(enrollment, noticed="I changed my mind")
    assert [row.exercise.slug for row in service.review_rows(therapist)] == ["story"]


def test_a_finished_module_without_work_is_in_the_queue_when_the_programme_waits(therapist, enrollment, plan):
    item = plan.items.get(module__slug="m1")
    plans.module_complete(item=item)
    assert service.review_rows(therapist) == []  # programmes that do not wait: nothing to do
    enrollment.program.wait_for_feedback = True
    enrollment.program.save(update_fields=["wait_for_feedback"])
    rows = service.review_rows(therapist)
    assert [(row.module.slug, row.exercise) for row in rows] == [("m1", None)]
    assert "The whole module" in client_for(therapist).get(reverse("review_queue")).content.decode()


def test_patients_who_left_are_not_in_the_queue(therapist, enrollment, plan):
    submit(enrollment)
    enrollment.status = enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status"])
    assert service.review_rows(therapist) == []


@pytest.mark.parametrize("patients", [1, 30])
def test_the_queue_costs_the_same_queries_at_1_and_30_rows(therapist, cohort, enrollment, plan, patients):
    submit(enrollment)
    for _n in range(patients - 1):
        other = EnrollmentFactory(cohort=cohort, therapist=therapist)
        plans.plan_ensure(other)
        submit(other)
    client = client_for(therapist)
    with assert_queries(11):
        response = client.get(reverse("review_queue"))
    assert response.content.decode().count("Your pain story") == patients


def test_the_navigation_says_how_much_is_waiting_in_one_query(therapist, enrollment, plan):
    submit(enrollment)
    submit(enrollment, "tried")
    request = RequestFactory().get("/")
    request.user, request.htmx = therapist, False
    roles = user_roles(therapist)
    with assert_queries(1):
        items = service.nav_items(request, roles)
    assert items == [("To review (2)", reverse("review_queue"))]
    request.htmx = True
    with assert_queries(0):
        assert service.nav_items(request, roles) == []


# --- Writing --------------------------------------------------------------------------------------


def test_the_page_shows_the_answers_readably_and_is_audited(therapist, enrollment, plan):
    submit(enrollment)
    response = client_for(therapist).get(write_url(enrollment))
    page = response.content.decode()
    assert response.status_code == 200
    assert "What did you notice?" in page
    assert "My back hurts less after a walk" in page
    assert 'data-steady-maxchars="5000"' in page
    assert AuditEvent.objects.filter(action="guidance.feedback.viewed", enrollment=enrollment).count() == 1


@pytest.mark.parametrize("who", ["other_therapist", "clinic_admin", "patient"])
def test_only_the_patients_therapist_writes(request, who, enrollment, plan):
    submit(enrollment)
    client = client_for(request.getfixturevalue(who))
    assert client.get(write_url(enrollment)).status_code == 404
    assert client.post(write_url(enrollment), {"body": "Hi", "basis": "x"}).status_code == 404
    assert not Feedback.objects.exists()


def test_an_unknown_module_is_404(therapist, enrollment, plan):
    assert client_for(therapist).get(write_url(enrollment, module="nope")).status_code == 404


def test_a_template_fills_the_box_with_placeholders_and_leaves_unknown_braces(therapist, clinic, enrollment, plan):
    submit(enrollment)
    template = FeedbackTemplate.objects.create(
        clinic=clinic,
        owner=therapist,
        title="Mine",
        body="Hi {first_name}, about {exercise_title} in {module_title}. {mood} {therapist_name}",
    )
    url = f"{write_url(enrollment)}&template={template.code}"
    expected = "Hi Margaret, about Your pain story in Module 1. {mood} Sam Okafor"
    page = client_for(therapist).get(url).content.decode()
    assert expected in page
    partial = client_for(therapist).get(url, headers={"HX-Request": "true"}).content.decode()
    assert expected in partial
    assert "<html" not in partial and 'id="feedback-compose"' in partial


def test_another_therapists_template_is_not_offered_or_filled(therapist, other_therapist, clinic, enrollment, plan):
    theirs = FeedbackTemplate.objects.create(clinic=clinic, owner=other_therapist, title="Theirs", body="Secret words")
    page = client_for(therapist).get(f"{write_url(enrollment)}&template={theirs.code}").content.decode()
    assert "Secret words" not in page
    assert "That template is not there any more" in page


def test_a_starter_template_fills_the_box(therapist, enrollment, plan):
    enrollment.program.modules.filter(slug="m1").update(slug="pacing")
    starter = service.starters_for("pacing")[0]
    url = reverse("feedback_write", args=[enrollment.code, "pacing"]) + f"?template={starter.key}"
    page = client_for(therapist).get(url).content.decode()
    assert "Hello Margaret," in page
    assert starter.title in page


def test_sending_feedback_does_everything_once(therapist, patient, enrollment, plan):
    response = submit(enrollment)
    client = client_for(therapist)
    form = client.get(write_url(enrollment)).context["form"]
    data = {"body": "Well done, {first_name}. Walking helped you.", "basis": form.initial["basis"]}
    answer = client.post(write_url(enrollment), data)
    assert answer.status_code == 302 and answer["Location"] == reverse("review_queue")
    feedback = Feedback.objects.get()
    assert (feedback.response, feedback.module.slug, feedback.author) == (response, "m1", therapist)
    assert feedback.message.body == "Well done, Margaret. Walking helped you."
    assert feedback.message.thread.enrollment == enrollment
    entry = TimeEntry.objects.get()
    assert (entry.activity, entry.minutes, entry.source) == ("feedback", 15, f"guidance.feedback:{feedback.pk}")
    assert AuditEvent.objects.filter(action="guidance.feedback.given", enrollment=enrollment).count() == 1
    assert plan.items.get(module__slug="m1").feedback_at is not None
    queue = client.get(reverse("review_queue")).content.decode()
    assert "Your feedback on “Your pain story” is sent to Margaret Hill." in queue
    assert "Nothing to review" in queue
    # A double click (the same form sent again) sends nothing more and lands on the queue.
    again = client.post(write_url(enrollment), data)
    assert again.status_code == 302
    assert Feedback.objects.count() == 1 and Message.objects.count() == 1 and TimeEntry.objects.count() == 1


def test_a_second_tab_cannot_send_different_feedback_on_the_same_work(therapist, enrollment, plan):
    submit(enrollment)
    client = client_for(therapist)
    basis = client.get(write_url(enrollment)).context["form"].initial["basis"]
    client.post(write_url(enrollment), {"body": "From the first tab.", "basis": basis})
    answer = client.post(write_url(enrollment), {"body": "From the second tab.", "basis": basis})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Feedback on this exercise has been sent already" in page
    assert "From the second tab." in page  # kept in the box, not lost
    assert list(Feedback.objects.values_list("message__body", flat=True)) == ["From the first tab."]


def test_work_sent_again_while_writing_is_not_answered_blindly(therapist, enrollment, plan):
    submit(enrollment, at=timezone.now() - datetime.timedelta(hours=1))
    client = client_for(therapist)
    basis = client.get(write_url(enrollment)).context["form"].initial["basis"]
    submit(enrollment, noticed="A new answer")
    page = client.post(write_url(enrollment), {"body": "Good.", "basis": basis}).content.decode()
    assert "sent this exercise again while you were writing" in page
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write your feedback before you send it."),
        ("x" * 5001, "It can be up to 5,000 characters"),
        ("Your goal [their goal] is good.", "Fill in the gap “[their goal]”"),
    ],
)
def test_bad_feedback_is_refused_next_to_the_box(therapist, enrollment, plan, body, error):
    submit(enrollment)
    client = client_for(therapist)
    basis = client.get(write_url(enrollment)).context["form"].initial["basis"]
    answer = client.post(write_url(enrollment), {"body": body, "basis": basis})
    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not Feedback.objects.exists() and not Message.objects.exists()


def test_feedback_on_the_whole_module(therapist, enrollment, plan):
    client = client_for(therapist)
    basis = client.get(write_url(enrollment, exercise=None)).context["form"].initial["basis"]
    assert (
        client.post(write_url(enrollment, exercise=None), {"body": "A good week.", "basis": basis}).status_code == 302
    )
    assert Feedback.objects.get().response is None
    assert client.post(write_url(enrollment, exercise=None), {"body": "Other", "basis": basis}).status_code == 200
    assert Feedback.objects.count() == 1


def test_feedback_cannot_be_sent_when_the_programme_has_ended(therapist, enrollment, plan):
    response = submit(enrollment)
    enrollment.status = enrollment.Status.COMPLETED
    enrollment.save(update_fields=["status"])
    with pytest.raises(MessageError):
        give(enrollment, therapist, response)
    assert not Feedback.objects.exists()


# --- What the patient sees ------------------------------------------------------------------------


def test_the_patient_sees_feedback_beside_the_exercise(therapist, patient, enrollment, plan):
    give(enrollment, therapist, submit(enrollment), body="Lovely detail about your walk.")
    page = client_for(patient).get(reverse("module_page", args=["m1", 1])).content.decode()
    assert "Feedback from Sam Okafor" in page
    assert "Lovely detail about your walk." in page
    assert page.index("Your pain story") < page.index("Lovely detail")


def test_module_feedback_shows_on_the_last_page(therapist, patient, enrollment, plan):
    give(enrollment, therapist, None, body="A good first week.")
    assert "A good first week." not in client_for(patient).get(reverse("module_page", args=["m1", 1])).content.decode()
    last = client_for(patient).get(reverse("module_page", args=["m1", 2])).content.decode()
    assert "Your therapist's feedback on this module" in last and "A good first week." in last


@pytest.mark.parametrize("count", [1, 4])
def test_the_thread_labels_feedback_at_a_fixed_query_count(therapist, patient, enrollment, plan, count):
    for n in range(count):
        response = submit(enrollment)
        give(enrollment, therapist, response, body=f"Feedback number {n}")
        submit(enrollment, noticed=f"again {n}")
    client = client_for(patient)
    client.get(reverse("patient_messages"))
    with assert_queries(8) as context:
        page = client.get(reverse("patient_messages")).content.decode()
    assert page.count("Feedback on: Your pain story") == count, context


# --- Demo data ------------------------------------------------------------------------------------


def test_the_demo_answers_earlier_work_and_leaves_the_latest_to_review(therapist, enrollment):
    from pathlib import Path

    from demo.feedback_history import seed_feedback
    from demo.history import seed_history
    from modules.content import load_program

    load_program(Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well")
    enrollment.start_date = timezone.localdate() - datetime.timedelta(weeks=3)
    enrollment.save(update_fields=["start_date"])
    seed_history(enrollment, weeks_in=4)
    added = seed_feedback(enrollment)
    assert added > 0 and Feedback.objects.count() == added
    assert {row.module.position for row in service.review_rows(therapist)} == {3}  # the latest module waits
    assert seed_feedback(enrollment) == 0  # running it again adds nothing
    assert FeedbackTemplate.objects.filter(owner=therapist).count() == 1
    assert FeedbackTemplate.objects.filter(owner=None).count() == 1
    assert all(f.created_at > f.response.submitted_at for f in Feedback.objects.select_related("response"))
