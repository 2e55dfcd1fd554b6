"""Hypothesis: what a user types is stored exactly (after the form's stated normalisation), and an
answer the form refuses stores nothing. Exercises of all seven kinds are driven from their own
rendered form (tests/security/fuzz.py), saved (autosave/htmx and the Save button) and submitted.
Also the diary, messages, profile, clinical notes, support reports and feedback templates.
"""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from guidance.models import Message
from modules.exercise_forms import form_for
from modules.models import DiaryEntry, Exercise, ExerciseResponse, Page
from tests.modules.test_exercises import ExerciseFactory
from tests.security.fuzz import page_form, posted, shows_errors
from tests.test_permissions import world  # noqa: F401
from tests.utils import client_for

FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TEXT = st.text(max_size=300)


def capped(n: int):
    """At most ``n`` examples (the dev profile's 25 stay 25): for the slow endpoints below, so the
    CI profile (200 each) keeps all fuzz tests under ~12 minutes on 2 cores."""
    return settings(FIXTURES, max_examples=min(n, settings.default.max_examples))


def client_of(o, persona):
    clients = o.setdefault("clients", {})
    if persona not in clients:
        clients[persona] = client_for(o["people"][persona])
    return clients[persona]


@pytest.mark.django_db
@FIXTURES
@given(
    pain=st.one_of(st.integers(-2, 12).map(str), TEXT),
    minutes=st.one_of(st.just(""), st.integers(-5, 1500).map(str), TEXT),
    mood=st.one_of(st.just(""), st.integers(0, 10).map(str), TEXT),
    sleep=st.one_of(st.just(""), st.integers(0, 6).map(str)),
    note=st.text(max_size=2100),
)
def test_diary_entry_round_trips(world, pain, minutes, mood, sleep, note):  # noqa: F811
    enrollment, today = world["enrollment"], timezone.localdate()
    before = DiaryEntry.objects.count()
    body = {"pain": pain, "activity_minutes": minutes, "mood": mood, "sleep": sleep, "note": note}
    response = client_of(world, "patient").post(reverse("diary_entry", args=[today]), body)
    assert response.status_code in (200, 302)
    entry = DiaryEntry.objects.filter(enrollment=enrollment, date=today).first()
    if response.status_code == 200:
        assert shows_errors(response)
        assert DiaryEntry.objects.count() == before
        return
    # Saved: the numbers exactly, the note with CRLF made LF (modules.diary.NoteField).
    assert entry.pain == int(pain)
    assert entry.activity_minutes == (int(minutes) if minutes.strip() else None)
    assert entry.mood == (int(mood) if mood else None)
    assert entry.sleep == (int(sleep) if sleep else None)
    assert entry.note == note.strip().replace("\r\n", "\n")


@pytest.mark.django_db
@FIXTURES
@given(body=st.text(max_size=5100), persona=st.sampled_from(["patient", "therapist"]))
def test_message_round_trips(world, body, persona):  # noqa: F811
    code = world["enrollment"].code
    url = reverse("patient_messages") if persona == "patient" else reverse("staff_messages", args=[code])
    before = Message.objects.count()
    response = client_of(world, persona).post(url, {"body": body})
    assert response.status_code < 500
    # guidance.services.normalise_body: CRLF and CR become LF, then the ends are stripped.
    expected = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if response.status_code == 302:
        assert Message.objects.count() == before + 1
        assert Message.objects.order_by("-pk").first().body == expected
    else:
        assert shows_errors(response)
        assert Message.objects.count() == before
        assert not expected or "\x00" in expected or len(expected) > 5000


@pytest.mark.django_db
@capped(50)  # ~0.3 s an example: every refused answer re-renders ~600 time zone options
@given(data=st.data())
def test_profile_round_trips(world, data):  # noqa: F811
    client = client_of(world, "patient")
    fields = world.setdefault("profile_form", page_form(client, reverse("profile"), reverse("profile")))
    body = data.draw(posted(fields), label="body")
    user = world["people"]["patient"]
    before = User.objects.filter(pk=user.pk).values("name", "language", "time_zone", "reminder_hour").get()
    response = client.post(reverse("profile"), body)
    assert response.status_code < 500
    after = User.objects.filter(pk=user.pk).values("name", "language", "time_zone", "reminder_hour").get()
    if response.status_code == 302:
        # accounts.forms.ProfileForm.clean_name: runs of whitespace become one space.
        assert after["name"] == " ".join(body["name"].split())
        assert after["time_zone"] == body["time_zone"] and after["language"] == body["language"]
    else:  # refused (an empty POST is the unbound form, as the view reads ``request.POST or None``)
        assert response.status_code == 200 and (shows_errors(response) or not body)
        assert after == before


KINDS = [kind for kind, _label in Exercise.Kind.choices]


@pytest.fixture
def exercises(world):  # noqa: F811
    page = Page.objects.get(module__slug="m1", position=1)
    return {kind: ExerciseFactory(page=page, kind=kind, slug=kind.replace("_", "-")) for kind in KINDS}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ["exercise_save", "exercise_submit"])
@capped(60)  # 14 variants of one view (7 kinds x save/submit): 840 posts in CI is plenty
@given(data=st.data(), htmx=st.booleans(), current_version=st.booleans())
def test_exercise_round_trips(world, exercises, kind, action, data, htmx, current_version):  # noqa: F811
    exercise = exercises[kind]
    client = client_of(world, "patient")
    url = reverse(action, args=["m1", exercise.slug])
    # One form per exercise: it posts to exercise_save, and its submit button has formaction=submit.
    save_url = reverse("exercise_save", args=["m1", exercise.slug])
    fields = world.setdefault(f"form-{kind}", page_form(client, reverse("module_page", args=["m1", 1]), save_url))
    body = data.draw(posted(fields), label="body")
    stored = ExerciseResponse.objects.filter(exercise=exercise).first()
    before = (stored.version, stored.data, stored.submitted_at) if stored else None
    if current_version:  # the page as last loaded; otherwise whatever the fuzz sent (often a conflict)
        body["version"] = str(stored.version if stored else 0)
    response = client.post(url, body, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code < 500
    stored = ExerciseResponse.objects.filter(exercise=exercise).first()
    after = (stored.version, stored.data, stored.submitted_at) if stored else None
    form = form_for(exercise, data=body, complete=action == "exercise_submit")
    if not form.is_valid():
        assert after == before, "an answer the form refuses stored something"
        assert response.status_code == 200 and (shows_errors(response) or "Not saved." in response.content.decode())
    elif after != before:
        # Saved: exactly what the kind's form cleaned (modules.exercise_forms: to_data()).
        assert stored.data == form.to_data()
        assert stored.version == (before[0] + 1 if before else 1)


# --- Staff notes, support reports and feedback templates -------------------------------------------


@pytest.mark.django_db
@capped(60)  # ~0.5 s an example (a refused note re-renders the whole patient page)
@given(body=st.text(max_size=5100))
def test_clinical_note_round_trips(world, body):  # noqa: F811
    from guidance.models import ClinicalNote

    code = world["enrollment"].code
    before = ClinicalNote.objects.count()
    response = client_of(world, "therapist").post(reverse("clinical_note_add", args=[code]), {"body": body})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert shows_errors(response)
        assert ClinicalNote.objects.count() == before
        return
    # Stored exactly as typed, less whitespace at the ends (the same note twice within a minute is one note).
    assert ClinicalNote.objects.count() in (before, before + 1)
    assert ClinicalNote.objects.filter(body=body.strip()).exists()


@pytest.mark.django_db
@capped(60)  # ~0.5 s an example (a refused note re-renders the whole patient page)
@given(description=st.text(max_size=2100), category=st.sampled_from(["saving", "sign_in", "other", "", "nope"]))
def test_support_report_round_trips(world, description, category):  # noqa: F811
    from clinics.models import SupportRequest

    before = SupportRequest.objects.count()
    body = {"category": category, "description": description}
    response = client_of(world, "patient").post(reverse("support_report"), body)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert shows_errors(response)
        assert SupportRequest.objects.count() == before
        return
    assert SupportRequest.objects.count() in (before, before + 1)
    assert SupportRequest.objects.filter(category=category, description=description.strip()).exists()


@pytest.mark.django_db
@capped(60)  # ~0.5 s an example (a refused note re-renders the whole patient page)
@given(title=st.text(max_size=130), body=st.text(max_size=5100))
def test_feedback_template_round_trips(world, title, body):  # noqa: F811
    from guidance.models import FeedbackTemplate

    before = FeedbackTemplate.objects.count()
    data = {"title": title, "module_slug": "", "body": body}
    response = client_of(world, "therapist").post(reverse("feedback_template_new"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert shows_errors(response)
        assert FeedbackTemplate.objects.count() == before
        return
    # The body as messages are (guidance.services.normalise_body); the title less its outer whitespace.
    created = FeedbackTemplate.objects.order_by("-pk").first()
    assert FeedbackTemplate.objects.count() == before + 1
    assert created.title == title.strip()
    assert created.body == body.replace("\r\n", "\n").replace("\r", "\n").strip()
