"""The patient's pain diary: the overview page with its chart and table, and one day's entry."""

import datetime
import re
import xml.etree.ElementTree as ET
import zoneinfo
from unittest import mock

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from clinics.models import Enrollment
from modules.diary import diary_entry_save
from modules.models import DiaryEntry, EngagementEvent
from tests.log_hygiene import sentinel
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def local_today() -> datetime.date:
    """Today for the personas, who live in Europe/London (settings.TIME_ZONE is UTC)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo("Europe/London"))


def days_ago(n: int) -> datetime.date:
    return local_today() - datetime.timedelta(days=n)


def add_entry(enrollment, day, **values) -> DiaryEntry:
    return DiaryEntry.objects.create(enrollment=enrollment, date=day, **{"pain": 5, **values})


def entry_url(day) -> str:
    return reverse("diary_entry", args=[day])


def post(client, day, **data):
    sentinel(data.get("note", ""), "diary note")  # what the patient wrote must never reach a log
    return client.post(entry_url(day), {"pain": "4", **data})


def field_error(page: str, field: str) -> str:
    """The inline error message shown next to a field (empty if there is none)."""
    hidden = '<span class="nhsuk-u-visually-hidden">Error:</span>'
    match = re.search(rf'id="id_{field}_error">{hidden}(.*?)</span>', page, re.S)
    return match.group(1).strip() if match else ""


def chart(page: str) -> ET.Element:
    """The diary page's one inline SVG, parsed."""
    assert page.count('<svg class="steady-chart__svg"') == 1
    svg = re.search(r'<svg class="steady-chart__svg".*?</svg>', page, re.S).group(0)
    return ET.fromstring(svg)  # noqa: S314 - markup this test's own server just rendered


def table_rows(page: str) -> list[list[str]]:
    """The diary table's body rows as lists of cell texts, without the responsive headings."""
    body = re.search(r'<tbody class="nhsuk-table__body">(.*?)</tbody>', page, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        cells = [re.sub(r'<span class="nhsuk-table__heading"[^>]*>.*?</span>', "", cell) for cell in cells]
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


# --- The diary page -------------------------------------------------------------------------------


def test_it_works(patient):
    response = client_for(patient).get(reverse("diary"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your pain diary" in page
    assert "Add today's entry" in page
    assert f'href="{entry_url(local_today())}"' in page
    assert "When you add entries, a chart of your pain" in page


def test_it_offers_to_edit_todays_entry_once_it_exists(patient, enrollment):
    add_entry(enrollment, local_today(), pain=6)
    page = client_for(patient).get(reverse("diary")).content.decode()
    assert "Edit today's entry" in page
    assert "Add today's entry" not in page
    assert "Pain: 6 out of 10." in page


def test_it_lists_the_last_28_days_newest_first_with_edit_links_for_the_last_7(patient, enrollment):
    for n, pain in ((0, 3), (7, 4), (8, 5), (27, 6), (28, 9)):
        add_entry(enrollment, days_ago(n), pain=pain)
    page = client_for(patient).get(reverse("diary")).content.decode()
    rows = table_rows(page)
    assert [row[1] for row in rows] == ["3", "4", "5", "6"]  # 28 days ago is outside the 4 weeks
    assert [row[-1].split()[0] for row in rows] == ["Edit", "Edit", "View", "View"]
    assert f'href="{entry_url(days_ago(7))}"' in page
    assert f'href="{entry_url(days_ago(28))}"' not in page


def test_it_offers_the_missed_days_since_the_programme_started(patient, enrollment):
    enrollment.start_date = days_ago(3)
    enrollment.save(update_fields=["start_date"])
    add_entry(enrollment, days_ago(2))
    page = client_for(patient).get(reverse("diary")).content.decode()
    assert f'href="{entry_url(days_ago(1))}"' in page
    assert f'href="{entry_url(days_ago(3))}"' in page
    assert f'href="{entry_url(days_ago(4))}"' not in page  # before the programme started


def test_it_hides_other_patients(patient, other_patient, same_clinic_enrollment):
    add_entry(same_clinic_enrollment, local_today(), pain=9, note="David's private note")
    page = client_for(patient).get(reverse("diary")).content.decode()
    assert "David&#x27;s private note" not in page
    assert "Add today's entry" in page
    assert "steady-chart__svg" not in page


@pytest.mark.parametrize("persona", ["therapist", "clinic_admin", "operator"])
def test_staff_get_404(request, persona, enrollment):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(reverse("diary")).status_code == 404
    assert client.get(entry_url(local_today())).status_code == 404
    assert client.post(entry_url(local_today()), {"pain": "3"}).status_code == 404
    assert not DiaryEntry.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, enrollment):
    for response in (client.get(reverse("diary")), client.post(entry_url(local_today()), {"pain": "3"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert not DiaryEntry.objects.exists()


def test_the_diary_page_is_get_only(patient):
    client = client_for(patient)
    assert client.post(reverse("diary")).status_code == 405
    assert client.put(reverse("diary")).status_code == 405


@pytest.mark.parametrize("entries", [1, 28])
def test_diary_query_count_does_not_grow_with_entries(patient, enrollment, entries):
    for n in range(entries):
        add_entry(enrollment, days_ago(n), pain=n % 11, mood=(n + 3) % 11)
    client = client_for(patient)
    client.get(reverse("diary"))
    # session, user, roles, enrolment, diary entries, the messages badge
    with assert_queries(6):
        response = client.get(reverse("diary"))
    assert response.status_code == 200
    assert len(table_rows(response.content.decode())) == entries


# --- The chart and its table ----------------------------------------------------------------------


def test_the_chart_has_one_point_per_entry_and_a_gap_for_a_missing_day(patient, enrollment):
    add_entry(enrollment, days_ago(0), pain=2, mood=7)
    add_entry(enrollment, days_ago(1), pain=3)
    # days_ago(2) is missing: a gap, not a zero.
    add_entry(enrollment, days_ago(3), pain=8, mood=4)
    add_entry(enrollment, days_ago(4), pain=7, mood=5)
    svg = chart(client_for(patient).get(reverse("diary")).content.decode())

    assert svg.get("role") == "img"
    assert svg.get("viewBox") == "0 0 340 210"
    assert "Pain: 4 days, from 2 to 8 out of 10" in svg.get("aria-label")
    assert "Mood: 3 days, from 4 to 7 out of 10" in svg.get("aria-label")
    assert svg.find(f"{SVG}title").text == svg.get("aria-label")

    pain_points = svg.findall(f".//{SVG}circle")
    mood_points = svg.findall(f".//{SVG}rect")
    assert len(pain_points) == 4
    assert len(mood_points) == 3  # the day without a mood has no mood point
    paths = {p.get("class").split("--")[-1]: p.get("d") for p in svg.iter(f"{SVG}path")}
    # Pain: days 4 and 3 joined, then a new segment for days 1 and 0.
    assert paths["pain"].count("M") == 2
    assert paths["pain"].count("L") == 2
    # Mood: days 4 and 3 joined; day 0 alone (day 1 has no mood).
    assert paths["mood"].count("M") == 2
    assert paths["mood"].count("L") == 1
    # Higher pain is drawn higher (smaller y); a value of 0 would sit on the bottom line at y=176.
    ys = sorted((float(c.get("cy")), c) for c in pain_points)
    assert ys[0][0] == pytest.approx(176 - 8 * 16.4)
    assert all(float(c.get("cy")) < 176 for c in pain_points)


def test_the_chart_without_mood_draws_pain_only(patient, enrollment):
    add_entry(enrollment, days_ago(0), pain=2)
    page = client_for(patient).get(reverse("diary")).content.decode()
    svg = chart(page)
    assert len(svg.findall(f".//{SVG}circle")) == 1
    assert svg.findall(f".//{SVG}rect") == []
    assert "steady-chart-key__item--mood" not in page


def test_the_table_lists_the_same_values_as_the_chart(patient, enrollment):
    add_entry(enrollment, days_ago(0), pain=2, mood=7, sleep=DiaryEntry.Sleep.GOOD, activity_minutes=45, note="Walk")
    add_entry(enrollment, days_ago(3), pain=8)
    page = client_for(patient).get(reverse("diary")).content.decode()
    assert '<caption class="nhsuk-table__caption' in page
    rows = table_rows(page)
    assert rows[0][1:6] == ["2", "7", "Good", "45 minutes", "Walk"]
    assert rows[1][1:6] == ["8", "– not given", "– not given", "– not given", "– not given"]
    svg = chart(page)
    pain_by_x = sorted((float(c.get("cx")), c.get("cy")) for c in svg.findall(f".//{SVG}circle"))
    assert [round(176 - float(cy)) / 16.4 for _, cy in pain_by_x] == pytest.approx([8, 2], abs=0.05)


# --- One day's entry ------------------------------------------------------------------------------


def test_the_entry_form_works(patient):
    response = client_for(patient).get(entry_url(local_today()))
    page = response.content.decode()
    assert response.status_code == 200
    assert "How bad was your pain, on average?" in page
    assert "0 = no pain" in page
    assert "10 = worst pain you can imagine" in page
    assert "0 = very low" in page and "10 = very good" in page
    assert page.count('type="radio" name="pain"') == 11
    assert page.count('type="radio" name="mood"') == 11
    assert page.count('type="radio" name="sleep"') == 5
    assert "How many minutes were you active? (optional)" in page


def test_saving_creates_one_row_with_the_values(patient, enrollment):
    client = client_for(patient)
    today = local_today()
    response = post(
        client, today, pain="7", mood="3", sleep=str(DiaryEntry.Sleep.POOR), activity_minutes="20", note="Bad day."
    )
    assert response.status_code == 302
    assert response.url == reverse("diary")
    entry = DiaryEntry.objects.get()
    assert (entry.enrollment, entry.date, entry.pain, entry.mood, entry.sleep, entry.activity_minutes, entry.note) == (
        enrollment,
        today,
        7,
        3,
        DiaryEntry.Sleep.POOR,
        20,
        "Bad day.",
    )
    event = EngagementEvent.objects.get()
    assert (event.enrollment, event.kind, event.object_id) == (enrollment, "diary_saved", str(entry.pk))
    assert "Your diary is saved." in client.get(response.url).content.decode()


def test_the_optional_answers_can_be_left_out(patient):
    assert post(client_for(patient), local_today(), pain="0").status_code == 302
    entry = DiaryEntry.objects.get()
    assert (entry.pain, entry.mood, entry.sleep, entry.activity_minutes, entry.note) == (0, None, None, None, "")


def test_editing_updates_the_same_row(patient, enrollment):
    entry = add_entry(enrollment, days_ago(2), pain=5, mood=5, note="First")
    entry.updated_at = entry.created_at = timezone.now() - datetime.timedelta(days=2)
    entry.save(update_fields=["updated_at", "created_at"])
    client = client_for(patient)
    page = client.get(entry_url(days_ago(2))).content.decode()
    assert 'name="pain" value="5" class="nhsuk-radios__input" id="id_pain_5" checked' in page
    assert ">\nFirst</textarea>" in page

    assert post(client, days_ago(2), pain="2", note="Better").status_code == 302
    updated = DiaryEntry.objects.get()
    assert updated.pk == entry.pk
    assert (updated.pain, updated.mood, updated.note) == (2, None, "Better")
    assert updated.created_at == entry.created_at
    assert updated.updated_at > entry.updated_at


def test_a_double_submit_updates_the_same_row(patient):
    client = client_for(patient)
    assert post(client, local_today(), pain="3").status_code == 302
    assert post(client, local_today(), pain="4").status_code == 302
    assert DiaryEntry.objects.get().pain == 4
    assert EngagementEvent.objects.count() == 2


def test_a_simultaneous_first_insert_ends_as_an_update(enrollment):
    today = local_today()
    # The other tab's first save committed after our look-up found nothing, so our INSERT breaks
    # the unique constraint.
    winner = add_entry(enrollment, today, pain=9)
    original = DiaryEntry.objects.update_or_create
    calls = []

    def insert_loses_the_race(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise IntegrityError("UNIQUE constraint failed: modules_diaryentry.enrollment_id, modules_diaryentry.date")
        return original(*args, **kwargs)

    with mock.patch.object(DiaryEntry.objects, "update_or_create", side_effect=insert_loses_the_race):
        entry = diary_entry_save(enrollment=enrollment, day=today, today=today, pain=2)
    assert len(calls) == 2
    assert DiaryEntry.objects.get().pk == entry.pk == winner.pk
    assert DiaryEntry.objects.get().pain == 2
    assert EngagementEvent.objects.count() == 1


def test_seven_days_ago_can_still_be_written(patient):
    assert post(client_for(patient), days_ago(7), pain="6").status_code == 302
    assert DiaryEntry.objects.get().date == days_ago(7)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (8, "was longer ago than that, so it can no longer be changed."),
        (-1, "has not happened yet."),
        (-400, "has not happened yet."),
    ],
)
def test_a_day_outside_the_window_is_refused_and_nothing_saved(patient, offset, message):
    response = post(client_for(patient), days_ago(offset), pain="6")
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "Nothing was saved." in page
    assert 'class="nhsuk-error-summary"' in page
    assert 'name="pain"' not in page
    assert not DiaryEntry.objects.exists()
    assert not EngagementEvent.objects.exists()


def test_an_old_entry_is_shown_read_only_and_cannot_be_changed(patient, enrollment):
    add_entry(enrollment, days_ago(8), pain=5, note="Long ago")
    client = client_for(patient)
    page = client.get(entry_url(days_ago(8))).content.decode()
    assert "5 out of 10" in page
    assert "Long ago" in page
    assert "can no longer be changed" in page
    assert 'name="pain"' not in page

    response = post(client, days_ago(8), pain="1", note="Rewritten")
    assert response.status_code == 200
    assert "Nothing was saved." in response.content.decode()
    assert DiaryEntry.objects.get().note == "Long ago"


def test_an_old_day_without_an_entry_is_404(patient):
    assert client_for(patient).get(entry_url(days_ago(8))).status_code == 404


def test_a_future_day_shows_a_message_without_a_form(patient):
    response = client_for(patient).get(entry_url(days_ago(-1)))
    page = response.content.decode()
    assert response.status_code == 200
    assert "has not happened yet" in page
    assert 'name="pain"' not in page


def test_a_garbage_date_is_404(patient):
    assert client_for(patient).get("/me/diary/2026-02-30/").status_code == 404


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(patient, method):
    response = getattr(client_for(patient), method)(entry_url(local_today()))
    assert response.status_code == 405
    assert not DiaryEntry.objects.exists()


PAIN = "Choose how bad your pain was, from 0 to 10."
MINUTES = "Enter the minutes as a whole number from 0 to 1,440, like 30."


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"pain": "11"}, "pain", PAIN),
        ({"pain": "-1"}, "pain", PAIN),
        ({"pain": "abc"}, "pain", PAIN),
        ({"pain": ""}, "pain", PAIN),
        ({"pain": "5\x00"}, "pain", PAIN),
        ({"mood": "11"}, "mood", "Choose how your mood was, from 0 to 10."),
        ({"mood": "-1"}, "mood", "Choose how your mood was, from 0 to 10."),
        ({"sleep": "9"}, "sleep", "Choose one of the answers about your sleep."),
        ({"activity_minutes": "-5"}, "activity_minutes", MINUTES),
        ({"activity_minutes": "abc"}, "activity_minutes", MINUTES),
        ({"activity_minutes": "1441"}, "activity_minutes", "A day has 1,440 minutes. Enter a number from 0 to 1,440."),
        ({"activity_minutes": "9" * 20}, "activity_minutes", "A day has 1,440 minutes."),
        ({"activity_minutes": "9" * 5000}, "activity_minutes", MINUTES),
        ({"activity_minutes": "2.5"}, "activity_minutes", MINUTES),
        ({"activity_minutes": "\x00"}, "activity_minutes", MINUTES),
        ({"note": "x" * 1_000_000}, "note", "Your note can be up to 2,000 characters long. It has 1000000"),
        ({"note": "a\x00b"}, "note", "Your note contains a character that cannot be saved."),
    ],
)
def test_bad_values_get_a_message_next_to_the_field_and_nothing_is_saved(patient, data, field, message):
    response = client_for(patient).post(entry_url(local_today()), {"pain": "4", **data})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in field_error(page, field)
    assert 'class="nhsuk-error-summary"' in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert "<title>Error:" in page
    assert not DiaryEntry.objects.exists()
    assert not EngagementEvent.objects.exists()


def test_a_note_of_2000_characters_with_browser_line_breaks_is_kept(patient):
    note = ("x" * 99 + "\r\n") * 19 + "x" * 100  # 2,000 characters once CRLF counts as one
    assert post(client_for(patient), local_today(), note=note).status_code == 302
    saved = DiaryEntry.objects.get().note
    assert len(saved) == 2000
    assert "\r" not in saved


def test_it_never_touches_another_patients_entry(patient, same_clinic_enrollment):
    theirs = add_entry(same_clinic_enrollment, local_today(), pain=9, note="Theirs")
    assert post(client_for(patient), local_today(), pain="1").status_code == 302
    theirs.refresh_from_db()
    assert (theirs.pain, theirs.note) == (9, "Theirs")
    assert DiaryEntry.objects.count() == 2


def test_an_ended_programme_is_read_only(patient, enrollment):
    add_entry(enrollment, local_today(), pain=4)
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.save(update_fields=["status"])
    client = client_for(patient)
    page = client.get(reverse("diary")).content.decode()
    assert "Your programme has ended" in page
    assert "Edit today's entry" not in page
    assert len(table_rows(page)) == 1

    response = post(client, local_today(), pain="1")
    assert response.status_code == 200
    assert "Your programme has ended" in response.content.decode()
    assert DiaryEntry.objects.get().pain == 4


# --- Time zones -----------------------------------------------------------------------------------

# 12:00 in London is already 01:00 the next day in Auckland (NZDT, UTC+13).
NOON_UTC = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
AUCKLAND_TODAY = datetime.date(2026, 3, 11)


def test_today_follows_the_patients_own_time_zone(patient, other_patient):
    patient.time_zone = "Pacific/Auckland"
    patient.save(update_fields=["time_zone"])
    with mock.patch("django.utils.timezone.now", return_value=NOON_UTC):
        client = client_for(patient)
        page = client.get(reverse("diary")).content.decode()
        assert "Today, Wednesday 11 March" in page
        assert f'href="{entry_url(AUCKLAND_TODAY)}"' in page

        assert post(client, AUCKLAND_TODAY, pain="3").status_code == 302
        assert DiaryEntry.objects.get().date == AUCKLAND_TODAY
        # Eight days back in Auckland is only seven in London, but Auckland's calendar counts.
        assert post(client, datetime.date(2026, 3, 3), pain="3").status_code == 200

        # For a patient in London the same instant is still 10 March: the 11th is tomorrow.
        response = post(client_for(other_patient), AUCKLAND_TODAY, pain="3")
        assert response.status_code == 200
        assert "has not happened yet" in response.content.decode()
    assert DiaryEntry.objects.count() == 1
