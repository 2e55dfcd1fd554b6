"""The time ledger pages: one patient's entries, changing minutes, and the therapist's own weeks."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from guidance.models import TimeEntry
from tests.factories import EnrollmentFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def ledger_url(enrollment):
    return reverse("time_ledger", args=[enrollment.code])


def edit_url(entry):
    return reverse("time_entry_edit", args=[entry.enrollment.code, entry.code])


def entry(therapist, enrollment, minutes=10, activity="phone", **extra):
    return TimeEntry.objects.create(
        therapist=therapist, enrollment=enrollment, activity=activity, minutes=minutes, **extra
    )


@pytest.fixture
def new_york_therapist(therapist):
    therapist.time_zone = "America/New_York"
    therapist.save(update_fields=["time_zone"])
    return therapist


# --- One patient's ledger ------------------------------------------------------------------------


def test_it_lists_entries_and_totals_per_activity(therapist, clinic_admin, enrollment):
    entry(therapist, enrollment, 10, "phone", note="Call about pacing")
    entry(therapist, enrollment, 5, "message", source="guidance.message:1")
    entry(therapist, enrollment, 20, "phone")
    for user in (therapist, clinic_admin):
        page = client_for(user).get(ledger_url(enrollment)).content.decode()
        assert "Call about pacing" in page
        assert 'Phone call</dt><dd class="nhsuk-summary-list__value">30 minutes' in page
        assert 'Message</dt><dd class="nhsuk-summary-list__value">5 minutes' in page
        assert "<strong>35 minutes</strong>" in page
    assert "Add time" in client_for(therapist).get(ledger_url(enrollment)).content.decode()
    assert "Add time" not in client_for(clinic_admin).get(ledger_url(enrollment)).content.decode()


def test_an_empty_ledger_says_so(therapist, enrollment):
    assert "No time recorded yet." in client_for(therapist).get(ledger_url(enrollment)).content.decode()


def test_it_hides_other_patients(other_therapist, other_clinic_admin, patient, enrollment):
    for user in (other_therapist, other_clinic_admin, patient):
        assert client_for(user).get(ledger_url(enrollment)).status_code == 404


def test_the_therapist_adds_time_in_their_own_zone(new_york_therapist, enrollment):
    yesterday = timezone.localdate(timezone.now(), NEW_YORK) - datetime.timedelta(days=1)
    response = client_for(new_york_therapist).post(
        ledger_url(enrollment),
        {"activity": "review", "minutes": "25", "day": yesterday.isoformat(), "time": "14:30", "note": " Case review "},
    )
    assert response.status_code == 302
    saved = TimeEntry.objects.get()
    assert (saved.activity, saved.minutes, saved.note, saved.source) == ("review", 25, "Case review", "")
    assert saved.at == datetime.datetime.combine(yesterday, datetime.time(14, 30), tzinfo=NEW_YORK)
    assert AuditEvent.objects.filter(action="guidance.time.added", enrollment=enrollment).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"activity": "phone", "minutes": "0"}, "Enter a number of minutes from 1 to 1,440."),
        ({"activity": "phone", "minutes": "lots"}, "Enter a whole number of minutes"),
        ({"activity": "message", "minutes": "5"}, "Select a valid choice"),
        ({"minutes": "5"}, "Choose what the time was spent on."),
        ({"activity": "phone", "minutes": "5", "day": "2026-02-31"}, "Enter a real date."),
        ({"activity": "phone", "minutes": "5", "day": "2999-01-01"}, "The time cannot be in the future."),
    ],
)
def test_bad_time_input_gets_a_message_and_saves_nothing(therapist, enrollment, data, message):
    data = {"day": timezone.localdate().isoformat(), "time": "00:01", **data}
    response = client_for(therapist).post(ledger_url(enrollment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_double_click_adds_the_time_once(therapist, enrollment):
    data = {"activity": "phone", "minutes": "15", "day": timezone.localdate().isoformat(), "time": "00:01"}
    client = client_for(therapist)
    client.post(ledger_url(enrollment), data)
    client.post(ledger_url(enrollment), data)
    assert TimeEntry.objects.count() == 1


def test_a_clinic_admin_cannot_add_time(clinic_admin, enrollment):
    data = {"activity": "phone", "minutes": "15", "day": timezone.localdate().isoformat(), "time": "00:01"}
    assert client_for(clinic_admin).post(ledger_url(enrollment), data).status_code == 403
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("count", [1, 30])
def test_the_ledger_query_count_does_not_grow_with_entries(therapist, enrollment, count):
    for n in range(count):
        entry(therapist, enrollment, 5, ["phone", "review", "other"][n % 3])
    client = client_for(therapist)
    client.get(ledger_url(enrollment))
    # session, user, roles, authenticator, enrolment, audit, entries, totals, the menu's two badges
    with assert_queries(10):
        response = client.get(ledger_url(enrollment))
    assert response.content.decode().count(">Change<") == count


# --- Changing an entry's minutes ------------------------------------------------------------------


def test_the_therapist_changes_the_minutes_of_their_entry(therapist, enrollment):
    own = entry(therapist, enrollment, 10)
    client = client_for(therapist)
    assert 'value="10"' in client.get(edit_url(own)).content.decode()
    response = client.post(edit_url(own), {"minutes": "35"})
    assert response["Location"] == ledger_url(enrollment)
    own.refresh_from_db()
    assert own.minutes == 35
    assert AuditEvent.objects.filter(action="guidance.time.changed").count() == 1


def test_bad_minutes_get_a_message(therapist, enrollment):
    own = entry(therapist, enrollment, 10)
    response = client_for(therapist).post(edit_url(own), {"minutes": "2000"})
    assert "Enter a number of minutes from 1 to 1,440." in response.content.decode()
    own.refresh_from_db()
    assert own.minutes == 10


def test_nobody_else_changes_an_entry(therapist, other_therapist, clinic_admin, enrollment):
    own = entry(therapist, enrollment, 10)
    # An entry of the previous therapist: the current one cannot change it either.
    previous = entry(other_therapist, enrollment, 10)
    for user, target in ((clinic_admin, own), (other_therapist, own), (therapist, previous)):
        assert client_for(user).post(edit_url(target), {"minutes": "1"}).status_code == 404
    own.refresh_from_db()
    previous.refresh_from_db()
    assert own.minutes == previous.minutes == 10


# --- The therapist's own time ----------------------------------------------------------------------


def test_my_time_shows_weeks_in_the_therapists_zone(new_york_therapist, enrollment):
    now = timezone.localtime(timezone.now(), NEW_YORK)
    monday = datetime.datetime.combine(now.date() - datetime.timedelta(days=now.weekday()), datetime.time.min, NEW_YORK)
    entry(new_york_therapist, enrollment, 30, at=monday + datetime.timedelta(minutes=1))
    entry(new_york_therapist, enrollment, 45, at=monday - datetime.timedelta(minutes=1))  # Sunday: the week before
    page = client_for(new_york_therapist).get("/time/").content.decode()
    rows = page.split("<tbody")[1]
    assert f'{monday:%-d %b %Y}</a></th>\n      <td class="nhsuk-table__cell nhsuk-table__cell--numeric">30<' in rows
    previous = monday - datetime.timedelta(weeks=1)
    assert f'{previous:%-d %b %Y}</a></th>\n      <td class="nhsuk-table__cell nhsuk-table__cell--numeric">45<' in rows
    assert "The last 12 weeks: 75 minutes" in page


def test_my_time_breaks_a_chosen_week_down_per_patient(therapist, enrollment, cohort):
    second = EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name="Tom Baker")
    at = datetime.datetime(2026, 11, 18, 12, tzinfo=datetime.UTC)  # a Wednesday of 2026-W47
    entry(therapist, enrollment, 20, at=at)
    entry(therapist, second, 50, at=at)
    entry(therapist, second, 5, at=at + datetime.timedelta(weeks=1))
    page = client_for(therapist).get("/time/", {"week": "2026-W47"}).content.decode()
    assert "Week starting 16 November 2026" in page
    breakdown = page.split('id="breakdown"')[1]
    assert breakdown.index("Tom Baker") < breakdown.index("Margaret Hill")
    assert ">50<" in breakdown and ">20<" in breakdown and ">5<" not in breakdown


@pytest.mark.parametrize("week", ["2026-W99", "next week", "2026-W", "<script>"])
def test_a_bad_week_gets_a_plain_message(therapist, week):
    response = client_for(therapist).get("/time/", {"week": week})
    assert response.status_code == 200
    assert "is not a week we can show" in response.content.decode()


def test_my_time_is_for_therapists_only(patient, clinic_admin):
    for user in (patient, clinic_admin):
        assert client_for(user).get("/time/").status_code == 404


@pytest.mark.parametrize("count", [1, 40])
def test_my_time_query_count_does_not_grow_with_entries(therapist, cohort, count):
    for n, enrollment in enumerate(EnrollmentFactory.create_batch(count, cohort=cohort, therapist=therapist)):
        entry(therapist, enrollment, 5, at=timezone.now() - datetime.timedelta(days=n % 60))
    client = client_for(therapist)
    client.get("/time/")
    # session, user, roles, authenticator, the weeks, the week's patients, the menu's two badges
    with assert_queries(8):
        response = client.get("/time/")
    assert response.status_code == 200


# --- Demo data ---------------------------------------------------------------------------------------


def test_the_demo_adds_manual_entries_once(therapist, enrollment):
    from demo.time_history import seed_time

    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=30)
    enrollment.save(update_fields=["start_date"])
    assert seed_time(enrollment) == 3
    assert seed_time(enrollment) == 0
    assert set(TimeEntry.objects.values_list("activity", flat=True)) == {"phone", "review"}
    assert all(e.therapist == therapist and e.source == "" for e in TimeEntry.objects.all())
