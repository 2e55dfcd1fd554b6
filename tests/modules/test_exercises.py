"""Exercises: the forms of each kind, saving and submitting answers, conflicts and who may answer."""

import datetime
from unittest import mock

import factory
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from modules import exercises
from modules.exercises import SaveConflict, exercise_blocks, form_for, response_save, response_submit
from modules.models import EngagementEvent, Exercise, ExerciseResponse, Module, Page
from modules.plans import plan_ensure
from tests.factories import ProgramFactory
from tests.log_hygiene import sentinel
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    program = factory.SubFactory(ProgramFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"page-{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Page {n}")
    body = "Some text to read."


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    page = factory.SubFactory(PageFactory)
    module = factory.SelfAttribute("page.module")
    slug = factory.Sequence(lambda n: f"exercise-{n}")
    kind = Exercise.Kind.REFLECTION
    title = factory.Sequence(lambda n: f"Exercise {n}")
    prompt = "Take your time. **There are no wrong answers.**"
    config = factory.LazyAttribute(lambda o: CONFIGS[o.kind])


CONFIGS = {
    "reflection": {
        "questions": [
            {"key": "noticed", "label": "What did you notice?"},
            {"key": "helped", "label": "What helped?", "hint": "Small things count."},
        ]
    },
    "goal": {},
    "pacing_plan": {"activity_hint": "For example: gardening."},
    "thought_record": {},
    "practice_log": {"technique": "relaxed breathing"},
    "checklist": {
        "items": [
            {"key": "walk", "label": "I went for a walk"},
            {"key": "rest", "label": "I took planned rests"},
            {"key": "call-a-friend", "label": "I called a friend"},
        ]
    },
    "ratings": {
        "items": [
            {"key": "pain", "label": "Pain today", "low": "no pain", "high": "the worst pain"},
            {"key": "sleep", "label": "Sleep last night", "low": "very poor", "high": "very good"},
        ]
    },
}

# For posted dates only: the patients are in London, never behind UTC, so these hold there too.
TODAY = datetime.datetime.now(datetime.UTC).date()
YESTERDAY = (TODAY - datetime.timedelta(days=1)).isoformat()
TWO_DAYS_AGO = (TODAY - datetime.timedelta(days=2)).isoformat()
NEXT_MONTH = (TODAY + datetime.timedelta(days=30)).isoformat()

# A complete answer for each kind as posted (without the prefix), and what must be stored.
VALID = {
    "reflection": (
        {"noticed": "  I tense my shoulders.  ", "helped": "Breathing out slowly."},
        {"noticed": "I tense my shoulders.", "helped": "Breathing out slowly."},
    ),
    "goal": (
        {
            "what": "Walk to the park",
            "measure": "Three times a week",
            "why": "To play with Mia",
            "by_when": NEXT_MONTH,
            "step_1": "Walk to the corner",
            "step_2": "",
            "step_3": "Walk to the shop",
            "confidence": "7",
        },
        {
            "what": "Walk to the park",
            "measure": "Three times a week",
            "why": "To play with Mia",
            "by_when": NEXT_MONTH,
            "steps": ["Walk to the corner", "Walk to the shop"],
            "confidence": 7,
        },
    ),
    "pacing_plan": (
        {
            "activity": "Gardening",
            "baseline_minutes": "20",
            "quota_minutes": "15",
            "weekly_increase_minutes": "2",
            "notes": "",
        },
        {
            "activity": "Gardening",
            "baseline_minutes": 20,
            "quota_minutes": 15,
            "weekly_increase_minutes": 2,
            "notes": "",
        },
    ),
    "thought_record": (
        {
            "situation": "Could not lift the shopping",
            "thought": "I am useless",
            "feeling_1_name": "Sad",
            "feeling_1_rating": "80",
            "feeling_2_name": "Angry",
            "feeling_2_rating": "40",
            "evidence_for": "I had to ask for help",
            "evidence_against": "I cooked dinner for everyone",
            "balanced_thought": "I can do many things, just differently",
            "rerating_1": "50",
            "rerating_2": "20",
        },
        {
            "situation": "Could not lift the shopping",
            "thought": "I am useless",
            "feelings": [{"name": "Sad", "rating": 80}, {"name": "Angry", "rating": 40}],
            "evidence_for": "I had to ask for help",
            "evidence_against": "I cooked dinner for everyone",
            "balanced_thought": "I can do many things, just differently",
            "rerating": [{"name": "Sad", "rating": 50}, {"name": "Angry", "rating": 20}],
        },
    ),
    "practice_log": (
        {
            "entry_1_date": TWO_DAYS_AGO,
            "entry_1_minutes": "10",
            "entry_1_tension_before": "7",
            "entry_1_tension_after": "4",
            "entry_2_date": YESTERDAY,
            "entry_2_minutes": "15",
            "entry_2_tension_before": "6",
            "entry_2_tension_after": "3",
        },
        {
            "entries": [
                {"date": TWO_DAYS_AGO, "minutes": 10, "tension_before": 7, "tension_after": 4},
                {"date": YESTERDAY, "minutes": 15, "tension_before": 6, "tension_after": 3},
            ]
        },
    ),
    "checklist": ({"checked": ["call-a-friend", "walk"]}, {"checked": ["walk", "call-a-friend"]}),
    "ratings": ({"pain": "6", "sleep": "0"}, {"pain": 6, "sleep": 0}),
}
KINDS = list(VALID)

# (kind, field, posted value, the message shown next to the field); each invalid on save too.
INVALID = [
    ("reflection", "noticed", "x" * 5001, "Use 5,000 characters or fewer"),
    ("reflection", "noticed", "x" * 1_000_000, "Use 5,000 characters or fewer (this has 1000000)"),
    ("reflection", "helped", "before\x00after", "hidden character"),
    ("goal", "by_when", "2026-02-30", "Enter a real date, like 2026-11-30."),
    ("goal", "by_when", "next Tuesday", "Enter a real date, like 2026-11-30."),
    ("goal", "confidence", "11", "Choose a number from 0 to 10."),
    ("goal", "confidence", "-1", "Choose a number from 0 to 10."),
    ("goal", "confidence", "seven", "Choose a number from 0 to 10."),
    ("goal", "step_2", "y" * 6000, "Use 5,000 characters or fewer"),
    ("pacing_plan", "baseline_minutes", "0", "Enter a number of minutes from 1 to 240."),
    ("pacing_plan", "baseline_minutes", "twenty", "Enter a number of minutes from 1 to 240."),
    ("pacing_plan", "baseline_minutes", "9" * 40, "Enter a number of minutes from 1 to 240."),
    ("pacing_plan", "quota_minutes", "25", "Your starting amount should be less than or equal to your baseline."),
    ("pacing_plan", "weekly_increase_minutes", "2.5", "Enter a number of minutes from 0 to 60."),
    ("thought_record", "feeling_1_rating", "101", "Enter a number from 0 to 100."),
    ("thought_record", "feeling_1_rating", "1e3", "Enter a number from 0 to 100."),
    ("thought_record", "rerating_2", "\x00", "Enter a number from 0 to 100."),
    ("practice_log", "entry_1_minutes", "121", "Enter a number of minutes from 1 to 120."),
    ("practice_log", "entry_1_tension_after", "ten", "Choose a number from 0 to 10."),
    ("practice_log", "entry_2_date", "31/31/2026", "Enter a real date, like 2026-11-30."),
    ("practice_log", "entry_2_date", NEXT_MONTH, "The date cannot be in the future."),
    ("checklist", "checked", "swim", "Choose only from the list."),
    ("ratings", "pain", "99", "Choose a number from 0 to 10."),
]


def post_data(exercise, values, version=0):
    for value in values.values():  # what the patient wrote must never reach a log
        if isinstance(value, str) and any(character.isalpha() for character in value):
            sentinel(value, "exercise answer")
    data = {f"{exercise.slug}-{name}": value for name, value in values.items()}
    data["version"] = str(version)
    return data


def save_url(exercise):
    return reverse("exercise_save", args=[exercise.module.slug, exercise.slug])


def submit_url(exercise):
    return reverse("exercise_submit", args=[exercise.module.slug, exercise.slug])


def error_next_to(page: str, exercise, field: str) -> str:
    """The text of the inline error message of one field (nhsuk's "<id>_error" span)."""
    marker = f'id="id_{exercise.slug}-{field}_error">'
    assert marker in page, f"no error message next to {field}"
    return page.split(marker, 1)[1].split("</span>", 2)[1]


@pytest.fixture
def module(enrollment):
    module = ModuleFactory(program=enrollment.program, slug="thoughts", title="Thoughts and pain")
    PageFactory(module=module, slug="intro", position=1, title="Thoughts matter")
    PageFactory(module=module, slug="try-it", position=2, title="Try it yourself")
    return module


@pytest.fixture
def page(module):
    return module.pages.get(slug="try-it")


@pytest.fixture
def plan(module, enrollment, same_clinic_enrollment):
    """Both patients' plans, with the module open for each."""
    for each in (enrollment, same_clinic_enrollment):
        plan_ensure(each).items.filter(module=module).update(unlocked_at=timezone.now())
    return enrollment.plan


@pytest.fixture
def make_exercise(page, plan):
    def make(kind="reflection", **kwargs):
        return ExerciseFactory(page=page, kind=kind, slug=kwargs.pop("slug", kind.replace("_", "-")), **kwargs)

    return make


def stored(enrollment, exercise):
    return ExerciseResponse.objects.filter(enrollment=enrollment, exercise=exercise).first()


# --- Saving and submitting each kind --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_saves_the_readme_shape_and_returns_to_its_page(patient, enrollment, make_exercise, kind):
    exercise = make_exercise(kind)
    posted, expected = VALID[kind]
    response = client_for(patient).post(save_url(exercise), post_data(exercise, posted))
    assert response.status_code == 302
    assert response["Location"] == reverse("module_page", args=["thoughts", 2]) + f"#exercise-{exercise.slug}"
    saved = stored(enrollment, exercise)
    assert saved.data == expected
    assert saved.version == 1
    assert saved.submitted_at is None


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_rebuilds_its_form_from_stored_data(make_exercise, kind):
    exercise = make_exercise(kind)
    posted, expected = VALID[kind]
    form = form_for(exercise, stored=expected)
    rebuilt = {name: form[name].value() for name in form.fields}
    again = form_for(exercise, data={f"{exercise.slug}-{k}": v for k, v in rebuilt.items() if v is not None})
    assert again.is_valid(), again.errors
    assert again.to_data() == expected


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_submits_a_complete_answer(patient, enrollment, make_exercise, kind):
    exercise = make_exercise(kind)
    response = client_for(patient).post(submit_url(exercise), post_data(exercise, VALID[kind][0]), follow=True)
    assert "Sent to your therapist." in response.content.decode()
    saved = stored(enrollment, exercise)
    assert saved.submitted_at is not None
    assert saved.data == VALID[kind][1]


@pytest.mark.parametrize(("kind", "field", "value", "message"), INVALID)
def test_a_wrong_value_is_explained_next_to_the_field_and_saves_nothing(
    patient, enrollment, make_exercise, kind, field, value, message
):
    exercise = make_exercise(kind)
    client = client_for(patient)
    client.post(save_url(exercise), post_data(exercise, VALID[kind][0]))
    before = stored(enrollment, exercise)
    values = VALID[kind][0] | {field: value}
    for url in (save_url(exercise), submit_url(exercise)):
        response = client.post(url, post_data(exercise, values, version=1))
        assert response.status_code == 200
        page = response.content.decode()
        assert message in error_next_to(page, exercise, field)
        assert "There is a problem" in page  # the error summary
        after = stored(enrollment, exercise)
        assert (after.version, after.data, after.saved_at) == (before.version, before.data, before.saved_at)
    assert ExerciseResponse.objects.count() == 1


def test_a_rating_without_a_feeling_is_not_dropped_quietly(patient, make_exercise):
    exercise = make_exercise("thought_record")
    values = {"situation": "Bus stop", "feeling_2_rating": "30", "rerating_3": "10"}
    response = client_for(patient).post(save_url(exercise), post_data(exercise, values))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Name the feeling you rated." in error_next_to(page, exercise, "feeling_2_name")
    assert "Name the feeling you rated." in error_next_to(page, exercise, "feeling_3_name")
    assert not ExerciseResponse.objects.exists()


def test_a_wrong_first_save_creates_no_row(patient, make_exercise):
    exercise = make_exercise("ratings")
    response = client_for(patient).post(save_url(exercise), post_data(exercise, {"pain": "eleven"}))
    assert response.status_code == 200
    assert "Choose a number from 0 to 10." in error_next_to(response.content.decode(), exercise, "pain")
    assert not ExerciseResponse.objects.exists()


def test_garbage_never_causes_a_server_error(patient, make_exercise):
    client = client_for(patient)
    junk = ["\x00" * 10, "x" * 1_000_000, "１２", "NaN", "Infinity", "9" * 5000, "<script>", "2026-13-01", "🙂"]
    for kind in KINDS:
        exercise = make_exercise(kind)
        form = form_for(exercise)
        for value in junk:
            data = {f"{exercise.slug}-{name}": value for name in form.fields}
            data["version"] = value
            # Over Django's limit on a request's size, Django itself answers 400 Bad Request.
            expected = (400,) if len(value) * len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE else (200, 409)
            for url in (save_url(exercise), submit_url(exercise)):
                assert client.post(url, data).status_code in expected, (kind, value[:20])
    assert not ExerciseResponse.objects.exists()


def test_a_save_takes_an_unfinished_answer_but_a_submit_does_not(patient, enrollment, make_exercise):
    exercise = make_exercise("thought_record")
    client = client_for(patient)
    partial = {"situation": "At the bus stop", "feeling_1_rating": ""}
    response = client.post(submit_url(exercise), post_data(exercise, partial))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the thought you had." in error_next_to(page, exercise, "thought")
    assert "Name at least one feeling." in error_next_to(page, exercise, "feeling_1_name")
    assert "Write a more balanced thought." in error_next_to(page, exercise, "balanced_thought")
    assert stored(enrollment, exercise) is None

    assert client.post(save_url(exercise), post_data(exercise, partial)).status_code == 302
    assert stored(enrollment, exercise).data == {
        "situation": "At the bus stop",
        "thought": "",
        "feelings": [],
        "evidence_for": "",
        "evidence_against": "",
        "balanced_thought": "",
        "rerating": [],
    }


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        ("reflection", {"noticed": "Yes"}, "helped", "Write an answer here"),
        ("goal", VALID["goal"][0] | {"step_1": "", "step_3": ""}, "step_1", "Write at least one small step"),
        ("goal", VALID["goal"][0] | {"by_when": YESTERDAY}, "by_when", "Choose a date from today onwards."),
        ("pacing_plan", {"activity": "Walking"}, "quota_minutes", "Enter your starting amount in minutes."),
        ("thought_record", VALID["thought_record"][0] | {"rerating_2": ""}, "rerating_2", "how strong the feeling is"),
        ("practice_log", {"entry_1_date": YESTERDAY}, "entry_1_minutes", "Enter how many minutes you practised."),
        (
            "practice_log",
            VALID["practice_log"][0] | {"entry_3_minutes": "5"},
            "entry_3_tension_after",
            "Choose how tense you were after",
        ),
        ("checklist", {}, "checked", "Tick at least one."),
        ("ratings", {"pain": "3"}, "sleep", "Choose a number from 0 to 10."),
    ],
)
def test_submit_needs_a_complete_answer(patient, enrollment, make_exercise, kind, values, field, message):
    exercise = make_exercise(kind)
    client = client_for(patient)
    response = client.post(submit_url(exercise), post_data(exercise, values))
    assert response.status_code == 200
    assert message in error_next_to(response.content.decode(), exercise, field)
    assert stored(enrollment, exercise) is None
    assert client.post(save_url(exercise), post_data(exercise, values)).status_code == 302
    assert stored(enrollment, exercise).submitted_at is None


def test_submit_records_one_engagement_event_and_the_time_sent(patient, enrollment, make_exercise):
    exercise = make_exercise("ratings")
    client = client_for(patient)
    client.post(submit_url(exercise), post_data(exercise, VALID["ratings"][0]))
    first = stored(enrollment, exercise)
    event = EngagementEvent.objects.get(enrollment=enrollment)
    assert (event.kind, event.module, event.object_id) == ("exercise_submitted", exercise.module, "ratings")
    assert AuditEvent.objects.filter(action="modules.exercise.submitted", enrollment=enrollment).count() == 1

    # A later edit keeps the time it was sent; sending it again updates it.
    client.post(save_url(exercise), post_data(exercise, {"pain": "2", "sleep": "5"}, version=1))
    edited = stored(enrollment, exercise)
    assert (edited.version, edited.submitted_at) == (2, first.submitted_at)
    assert EngagementEvent.objects.count() == 1
    client.post(submit_url(exercise), post_data(exercise, {"pain": "2", "sleep": "5"}, version=2))
    again = stored(enrollment, exercise)
    assert again.submitted_at > first.submitted_at
    assert EngagementEvent.objects.count() == 2


def test_the_page_says_when_it_was_sent(patient, enrollment, make_exercise):
    exercise = make_exercise("ratings")
    client = client_for(patient)
    client.post(submit_url(exercise), post_data(exercise, VALID["ratings"][0]))
    page = client.get(reverse("module_page", args=["thoughts", 2])).content.decode()
    sent = timezone.localtime(stored(enrollment, exercise).submitted_at, patient.zone)
    assert f"Sent to your therapist on {sent:%A} {sent.day} {sent:%B} at {sent:%H:%M}." in page


# --- Autosave with htmx ---------------------------------------------------------------------------


def test_autosave_answers_with_the_status_and_the_new_version(patient, enrollment, make_exercise):
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    exercise = make_exercise("reflection")
    client = client_for(patient)
    data = post_data(exercise, {"noticed": "My jaw"})
    response = client.post(save_url(exercise), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    saved = stored(enrollment, exercise)
    assert f"Saved at {timezone.localtime(saved.saved_at, patient.zone):%H:%M}" in page
    assert 'value="1" id="exercise-reflection-version" hx-swap-oob="true"' in page
    assert "<html" not in page

    # The next autosave builds on version 1 and does not conflict with the first.
    data = post_data(exercise, {"noticed": "My jaw and shoulders"}, version=1)
    page = client.post(save_url(exercise), data, headers={"HX-Request": "true"}).content.decode()
    assert 'value="2" id="exercise-reflection-version"' in page
    assert stored(enrollment, exercise).data["noticed"] == "My jaw and shoulders"


def test_autosave_of_a_wrong_value_answers_200_with_the_error(patient, enrollment, make_exercise):
    exercise = make_exercise("pacing_plan")
    data = post_data(exercise, {"baseline_minutes": "10", "quota_minutes": "30"})
    response = client_for(patient).post(save_url(exercise), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved." in page
    assert (
        "Your starting amount, in minutes: Your starting amount should be less than or equal to your baseline." in page
    )
    assert "hx-swap-oob" not in page
    assert stored(enrollment, exercise) is None


# --- Two tabs -------------------------------------------------------------------------------------


def test_a_save_from_an_older_tab_is_refused_and_shows_both_versions(patient, enrollment, make_exercise):
    exercise = make_exercise("reflection")
    client = client_for(patient)
    client.post(save_url(exercise), post_data(exercise, {"noticed": "First draft"}))  # version 1
    # Both tabs load version 1. The first saves: version 2.
    first = post_data(exercise, {"noticed": "Tab one", "helped": "Rest"}, version=1)
    assert client.post(save_url(exercise), first, headers={"HX-Request": "true"}).status_code == 200
    # The second, still on version 1, is refused.
    second = post_data(exercise, {"noticed": "Tab two", "helped": "Tea"}, version=1)
    response = client.post(save_url(exercise), second, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This was changed in another window or tab" in page
    assert "Tab one" in page and "Tab two" in page
    assert 'name="use_version" value="2"' in page
    assert "Keep the saved version" in page
    assert 'id="exercise-reflection-version"' not in page  # the tab keeps its old version
    saved = stored(enrollment, exercise)
    assert (saved.version, saved.data) == (2, {"noticed": "Tab one", "helped": "Rest"})

    # Without JavaScript: the exercise on its own, with both versions, still nothing overwritten.
    response = client.post(submit_url(exercise), second)
    assert response.status_code == 409
    page = response.content.decode()
    assert "What is saved" in page and "What you typed" in page
    assert "Tab one" in page and "Tab two" in page
    assert f'formaction="{submit_url(exercise)}" name="use_version" value="2"' in page
    assert stored(enrollment, exercise).version == 2

    # "Use my version" posts the second tab's text on top of version 2.
    response = client.post(submit_url(exercise), second | {"use_version": "2"})
    assert response.status_code == 302
    saved = stored(enrollment, exercise)
    assert (saved.version, saved.data) == (3, {"noticed": "Tab two", "helped": "Tea"})
    assert saved.submitted_at is not None


def test_saving_the_same_answer_twice_is_no_conflict(enrollment, make_exercise):
    # Pressing Submit straight after typing autosaves the field first, then posts the same answer.
    exercise = make_exercise("ratings")
    response_save(enrollment=enrollment, exercise=exercise, data={"pain": 3}, base_version=0)
    submitted = response_submit(enrollment=enrollment, exercise=exercise, data={"pain": 3}, base_version=0)
    assert (submitted.version, submitted.data) == (2, {"pain": 3})
    assert submitted.submitted_at is not None
    with pytest.raises(SaveConflict) as conflict:
        response_save(enrollment=enrollment, exercise=exercise, data={"pain": 4}, base_version=1)
    assert conflict.value.response.version == 2


def test_a_first_save_made_at_the_same_time_elsewhere_is_a_conflict_not_an_error(enrollment, make_exercise):
    exercise = make_exercise("ratings")
    other_tab = ExerciseResponse.objects.create(enrollment=enrollment, exercise=exercise, data={"pain": 1}, version=1)
    real = exercises._locked_response
    # The row is not there when this save looks, and is there when it tries to insert its own.
    with mock.patch.object(exercises, "_locked_response", side_effect=[None, real(enrollment, exercise)]):
        with pytest.raises(SaveConflict) as conflict:
            response_save(enrollment=enrollment, exercise=exercise, data={"pain": 9}, base_version=0)
    assert conflict.value.response.pk == other_tab.pk
    other_tab.refresh_from_db()
    assert (other_tab.version, other_tab.data) == (1, {"pain": 1})


def test_a_save_based_on_a_version_that_never_existed_is_refused(enrollment, make_exercise):
    exercise = make_exercise("ratings")
    with pytest.raises(SaveConflict):
        response_save(enrollment=enrollment, exercise=exercise, data={"pain": 9}, base_version=5)
    assert not ExerciseResponse.objects.exists()


# --- Who may answer -------------------------------------------------------------------------------


def test_get_is_refused(patient, make_exercise):
    exercise = make_exercise()
    client = client_for(patient)
    assert client.get(save_url(exercise)).status_code == 405
    assert client.get(submit_url(exercise)).status_code == 405


def test_a_locked_module_is_not_found(patient, enrollment, make_exercise, module):
    exercise = make_exercise()
    enrollment.plan.items.filter(module=module).update(unlocked_at=None)
    response = client_for(patient).post(save_url(exercise), post_data(exercise, VALID["reflection"][0]))
    assert response.status_code == 404
    assert not ExerciseResponse.objects.exists()


def test_a_skipped_module_is_not_found(patient, enrollment, make_exercise, module):
    exercise = make_exercise()
    enrollment.plan.items.filter(module=module).update(skipped_at=timezone.now())
    assert client_for(patient).post(save_url(exercise), post_data(exercise, {})).status_code == 404


def test_an_exercise_of_another_module_or_no_exercise_is_not_found(patient, make_exercise, module):
    make_exercise()
    other_module = ModuleFactory(program=module.program, slug="sleep")
    elsewhere = ExerciseFactory(page=PageFactory(module=other_module), slug="sleep-diary")
    client = client_for(patient)
    assert client.post(reverse("exercise_save", args=["thoughts", elsewhere.slug]), {}).status_code == 404
    assert client.post(reverse("exercise_save", args=["thoughts", "no-such-thing"]), {}).status_code == 404
    assert client.post(reverse("exercise_save", args=["no-such-module", "reflection"]), {}).status_code == 404


def test_each_patient_only_reaches_their_own_answer(patient, other_patient, enrollment, make_exercise):
    exercise = make_exercise()
    client_for(patient).post(save_url(exercise), post_data(exercise, {"noticed": "Mine"}))
    # The other patient, posting to the same address with the version of my answer, saves their own.
    response = client_for(other_patient).post(save_url(exercise), post_data(exercise, {"noticed": "Theirs"}, 1))
    assert response.status_code == 409  # their own answer has no version 1: nothing of mine is shown
    assert "Mine" not in response.content.decode()
    response = client_for(other_patient).post(save_url(exercise), post_data(exercise, {"noticed": "Theirs"}))
    assert response.status_code == 302
    assert stored(enrollment, exercise).data["noticed"] == "Mine"
    theirs = ExerciseResponse.objects.exclude(enrollment=enrollment).get()
    assert theirs.data["noticed"] == "Theirs"


def test_another_patient_whose_module_is_locked_is_not_found(
    patient, other_patient, same_clinic_enrollment, make_exercise, module
):
    exercise = make_exercise()
    same_clinic_enrollment.plan.items.filter(module=module).update(unlocked_at=None)
    response = client_for(other_patient).post(save_url(exercise), post_data(exercise, {"noticed": "x"}))
    assert response.status_code == 404


def test_a_patient_of_another_programme_is_not_found(make_exercise, other_clinic_enrollment):
    exercise = make_exercise()
    other_clinic_enrollment.program = ProgramFactory(slug="other", title="Another programme")
    other_clinic_enrollment.save(update_fields=["program"])
    client = client_for(other_clinic_enrollment.patient)
    assert client.post(save_url(exercise), post_data(exercise, {"noticed": "x"})).status_code == 404


@pytest.mark.parametrize("persona", ["therapist", "clinic_admin", "operator"])
def test_staff_are_not_found(request, make_exercise, persona):
    exercise = make_exercise()
    client = client_for(request.getfixturevalue(persona))
    assert client.post(save_url(exercise), post_data(exercise, VALID["reflection"][0])).status_code == 404
    assert client.post(submit_url(exercise), post_data(exercise, VALID["reflection"][0])).status_code == 404
    assert not ExerciseResponse.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(make_exercise, client):
    exercise = make_exercise()
    response = client.post(save_url(exercise), post_data(exercise, {"noticed": "x"}))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- On the module page ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3])
def test_exercise_blocks_take_two_queries_however_many_exercises(enrollment, make_exercise, page, count):
    for kind in ["reflection", "thought_record", "practice_log"][:count]:
        exercise = make_exercise(kind)
        response_save(enrollment=enrollment, exercise=exercise, data=VALID[kind][1], base_version=0)
    with assert_queries(2):
        blocks = exercise_blocks(enrollment, page)
    assert [b.response.data for b in blocks] == [VALID[b.exercise.kind][1] for b in blocks]
    assert [b.version for b in blocks] == [1] * count


def test_exercise_blocks_of_a_page_without_exercises(enrollment, module):
    intro = module.pages.get(slug="intro")
    with assert_queries(1):
        assert exercise_blocks(enrollment, intro) == []


def test_the_module_page_shows_the_exercise_form_with_autosave(patient, enrollment, make_exercise):
    exercise = make_exercise("thought_record")
    response_save(enrollment=enrollment, exercise=exercise, data=VALID["thought_record"][1], base_version=0)
    page = client_for(patient).get(reverse("module_page", args=["thoughts", 2])).content.decode()
    assert '<section class="steady-exercise" id="exercise-thought-record"' in page
    assert "<strong>There are no wrong answers.</strong>" in page
    assert f'action="{save_url(exercise)}"' in page
    assert f'formaction="{submit_url(exercise)}"' in page
    assert f'hx-post="{save_url(exercise)}"' in page
    assert 'hx-trigger="input changed delay:1500ms, change"' in page
    assert '<input type="hidden" name="version" value="1" id="exercise-thought-record-version">' in page
    assert "Could not lift the shopping" in page
    assert "“Sad” now" in page
    assert page.count('type="radio"') == 0  # 0-100 ratings are number inputs


def test_a_practice_log_shows_the_days_filled_in_and_one_more(patient, enrollment, make_exercise):
    exercise = make_exercise("practice_log")
    response_save(enrollment=enrollment, exercise=exercise, data=VALID["practice_log"][1], base_version=0)
    client = client_for(patient)
    page = client.get(reverse("module_page", args=["thoughts", 2])).content.decode()
    assert 'id="practice-log-day-3"' in page
    assert 'id="practice-log-day-4"' not in page
    assert page.count('type="radio"') == 3 * 2 * 11  # two 0-10 scales a day
    assert "Each time you practise relaxed breathing, fill in a day." in page
    data = post_data(exercise, VALID["practice_log"][0], version=1) | {"add_entry": "1"}
    response = client.post(save_url(exercise), data)
    assert response["Location"].endswith("#practice-log-day-3")


# --- Checking a programme's config ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_example_configs_are_valid(kind):
    exercises.validate_config(kind, CONFIGS[kind])


@pytest.mark.parametrize(
    ("kind", "config", "message"),
    [
        ("riddle", {}, "Unknown exercise kind 'riddle'"),
        ("goal", [], "config must be a mapping"),
        ("goal", {"steps": 3}, "unknown setting(s) in config: steps"),
        ("reflection", {}, "'questions' must be a list of 1 to 3 items"),
        ("reflection", {"questions": [{"key": "a", "label": "A"}] * 4}, "1 to 3 items"),
        ("reflection", {"questions": [{"key": "a"}]}, "item 1 needs 'label'"),
        ("reflection", {"questions": [{"key": "A b", "label": "A"}]}, "must be lower-case letters"),
        ("reflection", {"questions": [{"key": "a", "label": "A", "hnit": "x"}]}, "unknown setting(s): hnit"),
        ("checklist", {"items": [{"key": "a", "label": "A"}]}, "2 to 12 items"),
        ("checklist", {"items": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}, "'a' appears twice"),
        ("ratings", {"items": [{"key": "pain", "label": "Pain", "low": "none"}]}, "needs 'high'"),
        ("practice_log", {}, "'technique' must be a short name"),
        ("pacing_plan", {"activity_hint": 3}, "'activity_hint' must be text"),
    ],
)
def test_a_wrong_config_is_refused_with_a_clear_message(kind, config, message):
    with pytest.raises(ValueError, match=None) as error:
        exercises.validate_config(kind, config)
    assert message in str(error.value)
