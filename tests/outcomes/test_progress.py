"""Progress pages: the patient's "My progress", the therapist's view of a patient, and their charts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from outcomes import charts
from outcomes.instruments import get_instrument
from outcomes.models import Assessment, Occasion
from tests.utils import assert_queries, client_for

START = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)


def make_assessment(enrollment, key, total, *, day=0, occasion=None, answers=None, flags=(), band=None):
    """A completed assessment ``day`` days after 5 Jan 2026, with the total and band given (not scored)."""
    instrument = get_instrument(key)
    when = START + datetime.timedelta(days=day)
    occasion = occasion or ("baseline" if day == 0 else f"week-{day // 7 + 1}-{day}")
    kind = Occasion.BASELINE if occasion == "baseline" else Occasion.WEEKLY
    return Assessment.objects.create(
        enrollment=enrollment,
        instrument_key=key,
        instrument_version=instrument.version,
        occasion=occasion,
        occasion_kind=kind,
        opens_at=when - datetime.timedelta(days=1),
        due_at=when + datetime.timedelta(days=2),
        closes_at=when + datetime.timedelta(days=7),
        status=Assessment.Status.COMPLETED,
        answers=answers or {},
        total=total,
        band=band if band is not None else (instrument.band_for(total) or ""),
        flags=list(flags),
        submitted_at=when,
    )


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Charts -------------------------------------------------------------------------------------


def readings(*pairs):
    return [
        charts.Reading(day=datetime.date(2026, 1, 5) + datetime.timedelta(days=d), total=t, band=b) for d, t, b in pairs
    ]


def test_a_phq9_chart_has_its_bands_shaded_and_named_on_a_fixed_axis():
    chart = charts.outcome_chart(get_instrument("phq9"), readings((0, 14, "moderate"), (28, 8, "mild")))
    assert [band.label for band in chart.bands] == ["Minimal", "Mild", "Moderate", "Moderately severe", "Severe"]
    assert all(band.show_label for band in chart.bands)
    # Band edges half-way between whole scores: 4.5 between "minimal" and "mild".
    scale = charts.PLOT_BOTTOM - charts.PLOT_TOP
    assert chart.bands[0].height == pytest.approx(4.5 / 27 * scale, abs=0.2)
    # Fixed axis: 0 at the bottom, 27 at the top, whatever the data.
    assert [tick.label for tick in chart.y_ticks] == ["0", "5", "10", "15", "20", "27"]
    assert chart.y_ticks[0].position == charts.PLOT_BOTTOM
    assert chart.y_ticks[-1].position == charts.PLOT_TOP
    # Fills get darker as the band gets worse.
    assert chart.bands[0].fill == charts.BAND_FILLS[0]
    assert chart.bands[-1].fill == charts.BAND_FILLS[-1]
    assert chart.path.startswith("M") and " L" in chart.path


def test_the_description_tells_the_story_in_words():
    chart = charts.outcome_chart(get_instrument("phq9"), readings((0, 14, "moderate"), (28, 8, "mild")))
    assert chart.description.startswith("PHQ-9 went from 14 (moderate) on 5 Jan 2026 to 8 (mild) on 2 Feb 2026")
    assert "2 scores in all" in chart.description
    assert "lower is better" in chart.description


def test_a_single_reading_sits_in_the_middle_and_is_described():
    chart = charts.outcome_chart(get_instrument("gad7"), readings((0, 6, "mild")))
    assert chart.points[0].x == (charts.PLOT_LEFT + charts.PLOT_RIGHT) / 2
    assert chart.description.startswith("GAD-7 was 6 (mild) on 5 Jan 2026.")
    assert len(chart.x_ticks) == 1


def test_points_are_placed_by_date():
    chart = charts.outcome_chart(get_instrument("phq9"), readings((0, 10, ""), (7, 10, ""), (28, 10, "")))
    first, second, last = (point.x for point in chart.points)
    assert second - first == pytest.approx((last - first) / 4, abs=0.2)


def test_a_scale_without_bands_has_no_shading_and_plain_ticks():
    chart = charts.outcome_chart(get_instrument("peg3"), readings((0, 7.333333, ""), (14, 5, "")))
    assert chart.bands == []
    assert [tick.label for tick in chart.y_ticks] == ["0", "5", "10"]
    assert chart.points[0].label == "7.3"
    assert "PEG went from 7.3 on 5 Jan 2026 to 5 on 19 Jan 2026" in chart.description


def test_who5_is_higher_is_better_so_its_lowest_band_is_the_darkest():
    chart = charts.outcome_chart(get_instrument("who5"), readings((0, 40, "poor")))
    assert chart.bands[0].label == "Likely depression"
    assert chart.bands[0].fill == charts.BAND_FILLS[-1]
    assert chart.bands[-1].fill == charts.BAND_FILLS[0]
    assert "higher is better" in chart.description


def test_a_chart_needs_a_reading():
    with pytest.raises(ValueError):
        charts.outcome_chart(get_instrument("phq9"), [])


# --- My progress --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_works(patient, enrollment):
    make_assessment(enrollment, "phq9", 14, day=0)
    make_assessment(enrollment, "phq9", 8, day=28)
    make_assessment(enrollment, "gad7", 6, day=0)
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "<h1>Your progress</h1>" in html
    # An accessible SVG per instrument: labelled by its title and description.
    assert 'role="img" aria-labelledby="chart-phq9-title chart-phq9-desc"' in html
    assert '<title id="chart-phq9-title">PHQ-9 scores over time</title>' in html
    desc = re.search(r'<desc id="chart-phq9-desc">([^<]*)</desc>', html).group(1)
    assert desc.startswith("PHQ-9 went from 14 (moderate) on 5 Jan 2026 to 8 (mild) on 2 Feb 2026")
    assert 'aria-labelledby="chart-gad7-title chart-gad7-desc"' in html
    # Bands are named on the chart, so colour is not needed to read it.
    assert ">Moderately severe</text>" in html
    # A real table with a caption, newest first.
    assert "<caption" in html and "PHQ-9 scores, newest first" in html
    rows = re.findall(r'<th class="nhsuk-table__header[^"]*" scope="row">([^<]*)</th>', html)
    assert rows[:2] == ["2 Feb 2026", "5 Jan 2026"]
    assert "Lower is better." in html
    # Change in plain words, from outcomes.change (NHS Talking Therapies: a drop of 6 is reliable).
    assert "Since you started:" in html
    assert "Better than at the start: a reliable improvement, and now in the recovered range." in html
    # The PDF button posts to the report view.
    assert f'action="{reverse("progress_report_create")}"' in html
    assert "Download a PDF summary" in html


@pytest.mark.django_db
def test_it_says_so_when_nothing_is_answered_yet(patient):
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "You have not answered any questionnaires yet." in html
    assert '<svg class="steady-chart__svg"' not in html


@pytest.mark.django_db
def test_only_completed_answers_are_charted(patient, enrollment):
    make_assessment(enrollment, "phq9", 14, day=0)
    open_one = make_assessment(enrollment, "phq9", 3, day=7)
    Assessment.objects.filter(pk=open_one.pk).update(status=Assessment.Status.OPEN, submitted_at=None)
    make_assessment(enrollment, "adverse_events", None, day=7)
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "PHQ-9 was 14 (moderate) on 5 Jan 2026." in html
    # Questionnaires without a scale over time are not charted.
    assert "chart-adverse_events" not in html
    assert "After your next questionnaire you will see here how this has changed." in html


@pytest.mark.django_db
def test_since_last_time_shows_once_there_are_three_answers(patient, enrollment):
    for day, total in ((0, 7), (14, 7), (28, 3.5)):
        make_assessment(enrollment, "peg3", total, day=day)
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "Since you started:</strong> 50% lower than at the start: a substantial improvement." in html
    assert "Since last time:</strong> 50% lower than last time: a substantial improvement." in html


@pytest.mark.django_db
def test_it_hides_other_patients(patient, enrollment, same_clinic_enrollment):
    make_assessment(same_clinic_enrollment, "phq9", 21, day=0)
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "chart-phq9" not in html


@pytest.mark.django_db
def test_staff_have_no_my_progress_page(therapist, clinic_admin):
    for user in (therapist, clinic_admin):
        assert client_for(user).get(reverse("my_progress")).status_code == 404


@pytest.mark.django_db
def test_my_progress_refuses_post(patient):
    assert client_for(patient).post(reverse("my_progress")).status_code == 405


@pytest.mark.django_db
def test_patients_see_progress_in_the_menu(patient):
    html = page(client_for(patient).get(reverse("my_progress")))
    assert re.search(r'href="/me/progress/" aria-current="page"><strong[^>]*>Progress</strong>', html)


# --- The therapist's view -----------------------------------------------------------------------


@pytest.mark.django_db
def test_patient_progress_works_for_the_therapist_and_the_clinic_admin(enrollment, therapist, clinic_admin):
    make_assessment(enrollment, "phq9", 14, day=0)
    make_assessment(enrollment, "phq9", 8, day=28)
    url = reverse("patient_progress", args=[enrollment.code])
    for user in (therapist, clinic_admin):
        html = page(client_for(user).get(url))
        assert "Margaret Hill" in html
        assert 'aria-labelledby="chart-phq9-title chart-phq9-desc"' in html
        # Staff see the numbers and the rule's verdict.
        assert "Since the start:</strong> 14 → 8 (−6): reliable improvement, recovery (below caseness now)" in html
    events = AuditEvent.objects.filter(action="outcomes.progress.viewed", enrollment=enrollment)
    assert sorted(events.values_list("actor_id", flat=True)) == sorted([therapist.pk, clinic_admin.pk])


@pytest.mark.django_db
def test_patient_progress_hides_other_patients(
    enrollment, other_therapist, other_clinic_admin, patient, other_clinic_enrollment, therapist
):
    url = reverse("patient_progress", args=[enrollment.code])
    for user in (other_therapist, other_clinic_admin, patient):
        assert client_for(user).get(url).status_code == 404
    other_url = reverse("patient_progress", args=[other_clinic_enrollment.code])
    assert client_for(therapist).get(other_url).status_code == 404
    assert not AuditEvent.objects.filter(action="outcomes.progress.viewed").exists()


@pytest.mark.django_db
def test_patient_progress_refuses_post(enrollment, therapist):
    response = client_for(therapist).post(reverse("patient_progress", args=[enrollment.code]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_the_therapist_sees_a_warning_when_phq9_item_9_was_answered_above_0(enrollment, therapist, patient):
    make_assessment(enrollment, "phq9", 9, day=0)
    answers = {f"phq9_{n}": 1 for n in range(1, 10)}
    make_assessment(enrollment, "phq9", 9, day=14, answers=answers, flags=["risk"])
    html = page(client_for(therapist).get(reverse("patient_progress", args=[enrollment.code])))
    assert "nhsuk-warning-callout" in html
    assert (
        "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered above 0 on 19 Jan 2026" in html
    )
    assert "“Several days (1)”" in html
    assert "Urgent" not in html
    # The patient's own page carries no such line (their crisis support is shown when they answer).
    assert "PHQ-9 item 9" not in page(client_for(patient).get(reverse("my_progress")))


@pytest.mark.django_db
def test_an_urgent_answer_is_marked_urgent(enrollment, therapist):
    make_assessment(enrollment, "phq9", 12, day=0, answers={"phq9_9": 3}, flags=["risk", "urgent"])
    html = page(client_for(therapist).get(reverse("patient_progress", args=[enrollment.code])))
    assert "Urgent: check on the patient" in html
    assert "“Nearly every day (3)”" in html


@pytest.mark.django_db
def test_only_the_latest_answers_raise_a_warning(enrollment, therapist):
    make_assessment(enrollment, "phq9", 12, day=0, answers={"phq9_9": 1}, flags=["risk"])
    make_assessment(enrollment, "phq9", 6, day=7)
    html = page(client_for(therapist).get(reverse("patient_progress", args=[enrollment.code])))
    assert "nhsuk-warning-callout" not in html


@pytest.mark.django_db
def test_an_adverse_event_is_shown_to_the_therapist(enrollment, therapist):
    make_assessment(
        enrollment, "adverse_events", None, day=7, answers={"ae_any": 1, "ae_bother": 3},
        flags=["adverse_event", "adverse_event_bothersome"],
    )  # fmt: skip
    html = page(client_for(therapist).get(reverse("patient_progress", args=[enrollment.code])))
    assert "made them feel worse, and it bothered them a lot." in html


# --- Query counts -------------------------------------------------------------------------------

KEYS = ("phq9", "gad7", "peg3", "who5", "k10", "nrs_pain")


def fill(enrollment, per_instrument: int):
    instruments = [get_instrument(key) for key in KEYS]
    for n in range(per_instrument):
        for instrument in instruments:
            total = instrument.total_min + (n * 3) % int(instrument.total_max - instrument.total_min + 1)
            make_assessment(enrollment, instrument.key, total, day=7 * n, occasion=f"week-{n + 1}")


@pytest.mark.django_db
@pytest.mark.parametrize("per_instrument", [1, 12])
def test_my_progress_query_count_does_not_grow(patient, enrollment, per_instrument):
    fill(enrollment, per_instrument)
    client = client_for(patient)
    with assert_queries(MY_PROGRESS_QUERIES):
        response = client.get(reverse("my_progress"))
    assert response.content.decode().count('role="img" aria-labelledby="chart-') == len(KEYS)


@pytest.mark.django_db
@pytest.mark.parametrize("per_instrument", [1, 12])
def test_patient_progress_query_count_does_not_grow(enrollment, therapist, per_instrument):
    fill(enrollment, per_instrument)
    client = client_for(therapist)
    with assert_queries(PATIENT_PROGRESS_QUERIES):
        response = client.get(reverse("patient_progress", args=[enrollment.code]))
    assert response.content.decode().count('role="img" aria-labelledby="chart-') == len(KEYS)


# Session, user, roles, the enrolment, the assessments (one query, whatever their number), and the
# session's save (savepoint, update, release) ...
MY_PROGRESS_QUERIES = 9  # + the messages badge
# ... and for staff also the MFA check and the audit event.
PATIENT_PROGRESS_QUERIES = 12  # + the messages and "To review" badges


@pytest.mark.django_db
def test_dates_are_the_patients_own(patient, enrollment):
    # 23:30 UTC on 5 Jan is already 6 Jan in Auckland.
    patient.time_zone = "Pacific/Auckland"
    patient.save(update_fields=["time_zone"])
    assessment = make_assessment(enrollment, "gad7", 3, day=0)
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=START.replace(hour=23, minute=30))
    html = page(client_for(patient).get(reverse("my_progress")))
    assert "GAD-7 was 3 (minimal) on 6 Jan 2026." in html
    assert timezone.get_current_timezone_name() == "UTC"
