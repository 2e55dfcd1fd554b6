"""The clinic report's numbers on a hand-built data set (tests/reports/report_data.py STORY).

25 patients, all starting on the same day, a programme of 4 modules, the report made on day 56:
- invited (5): never activated;
- halfway (5): baseline done (1 of 1), modules 1-2 finished (day 3, day 10), 25 therapist minutes
  each, active yesterday-ish (day 54), one support request each ("page", open);
- finished (5): baseline done (2 of 2), all 4 modules finished, each 2 days after opening,
  55 minutes each (10 message, 15 feedback, 30 check-in); 3 support requests ("sign_in", resolved);
- withdrawn (5): baseline 1 of 2 done (the other expired), module 1 finished late (day 20), 12 minutes
  each, last active on day 16 (week 3);
- idle (5): active, nothing finished, last active on day 2 (week 1), so dropped out.
"""

import datetime
from decimal import Decimal

import pytest

from clinics.models import Enrollment
from reports import cells, charts, selectors
from reports.clinic_report import build_report
from reports.filters import ReportFilterForm
from tests.factories import CohortFactory, ProgramFactory, make_program
from tests.reports.report_data import NOW, START, Group, make_group, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def modules(cohort):
    program = make_program(weeks=4, pages=1, optional=0, program=cohort.program)
    return list(program.modules.order_by("position"))


@pytest.fixture
def story(cohort, modules):
    return make_story(cohort, modules)


def report_for(clinic, data=None):
    form = ReportFilterForm(data, clinic=clinic)
    assert not form.is_bound or form.is_valid(), form.errors
    return build_report(form, now=NOW)


def texts(cells):
    return [cell.text for cell in cells]


def test_the_funnel_counts_each_step_as_a_share_of_those_invited(clinic, story):
    funnel = report_for(clinic).funnel
    assert [step.key for step in funnel] == ["invited", "activated", "baseline", "module1", "half", "completed"]
    assert texts(step.count for step in funnel) == ["25", "20", "10", "15", "10", "5"]
    assert texts(step.percent for step in funnel) == ["100%", "80%", "40%", "60%", "40%", "20%"]


def test_adherence_modules_week_two_and_dropout(clinic, story):
    a = report_for(clinic).adherence
    assert a.activated == 20
    assert (a.modules_mean.text, a.modules_median.text) == ("1.8", "1.5")  # (5*2 + 5*4 + 5*1 + 5*0) / 20
    # Behind: "withdrawn" finished module 1 on day 20 and "idle" never did; all 20 are past week 2.
    assert (a.behind_eligible, a.behind.text, a.behind_percent.text) == (20, "10", "50%")
    assert (a.dropouts.text, a.dropout_percent.text) == ("10", "40%")
    assert [(w.label, w.count.text) for w in a.dropout_weeks] == [
        ("Before week 1", "<5"),
        ("Week 1", "5"),  # idle: last active on day 2
        ("Week 2", "<5"),
        ("Week 3", "5"),  # withdrawn: last active on day 16
    ]


def test_week_two_is_judged_on_the_day_module_one_was_finished(clinic, cohort, modules):
    on_time = ((1, 13), (None, None), (None, None), (None, None))  # day 13: the last day of week 2
    late = ((1, 14), (None, None), (None, None), (None, None))
    make_group(cohort, modules, Group(5, modules=on_time, last_activity=50))
    make_group(cohort, modules, Group(6, modules=late, last_activity=50))
    a = report_for(clinic).adherence
    assert (a.behind_eligible, a.behind.text, a.behind_percent.text) == (11, "6", "55%")


def test_patients_whose_week_two_has_not_ended_are_not_judged(clinic, cohort, modules):
    recent = NOW.date() - datetime.timedelta(days=10)
    make_group(cohort, modules, Group(6, modules=((None, None),) * 4, last_activity=50, start=recent))
    assert report_for(clinic).adherence.behind_eligible == 0
    assert report_for(clinic).adherence.behind_percent.text == "–"


def test_paused_and_recently_active_patients_have_not_dropped_out(clinic, cohort, modules):
    make_group(cohort, modules, Group(5, status=Enrollment.Status.PAUSED, modules=((None, None),) * 4, last_activity=2))
    make_group(cohort, modules, Group(5, modules=((None, None),) * 4, last_activity=40))  # 16 days ago
    make_group(cohort, modules, Group(5, modules=((None, None),) * 4, last_activity=34))  # 22 days ago
    a = report_for(clinic).adherence
    assert a.dropouts.text == "5"
    assert [(w.label, w.count.text) for w in a.dropout_weeks][-1] == ("Week 5", "5")


def test_module_engagement_per_module(clinic, story):
    rows = report_for(clinic).modules
    assert [row.title for row in rows] == ["Module 1", "Module 2", "Module 3", "Module 4"]
    assert [texts([r.unlocked, r.started, r.completed, r.completed_percent]) for r in rows] == [
        ["20", "15", "15", "75%"],
        ["20", "10", "10", "50%"],
        ["20", "5", "5", "25%"],
        ["20", "5", "5", "25%"],
    ]
    # Module 1: ten patients took 2 days, five took 19 (started day 1, finished day 20): the median is 2.
    assert [r.median_time.text for r in rows] == ["2.0 days"] * 4


def test_module_time_is_written_in_the_unit_that_fits():
    assert selectors.duration_text(25 * 60) == "25 minutes"
    assert selectors.duration_text(5 * 3600) == "5 hours"
    assert selectors.duration_text(3.5 * 86400) == "3.5 days"


def test_therapist_minutes_per_patient_and_per_completer_and_cost(clinic, story):
    clinic.cost_per_hour = Decimal("60.00")
    clinic.save(update_fields=["cost_per_hour"])
    t = report_for(clinic).time
    rows = {row.label: texts([row.total, row.per_patient, row.per_completer]) for row in t.rows}
    assert rows == {
        "Check-in": ["150", "8", "30"],  # 150 / 20 activated = 7.5; the 5 completers' 150 / 5
        "Feedback": ["150", "8", "15"],
        "Message": ["160", "8", "10"],
    }
    assert texts([t.total.total, t.total.per_patient, t.total.per_completer]) == ["460", "23", "55"]
    assert (t.cost_per_patient.text, t.cost_per_completer.text) == ("GBP 23.00", "GBP 55.00")


def test_without_a_cost_per_hour_no_cost_is_worked_out(clinic, story):
    t = report_for(clinic).time
    assert not t.cost_is_set
    assert t.cost_per_patient.text == "–"


def test_support_requests_by_status_and_category(clinic, story, other_clinic_enrollment):
    from clinics.models import SupportRequest

    SupportRequest.objects.create(  # another clinic's: never counted
        clinic=other_clinic_enrollment.clinic, enrollment=other_clinic_enrollment,
        reporter=other_clinic_enrollment.patient, category="page", description="Other clinic",
    )  # fmt: skip
    s = report_for(clinic).support
    assert s.total.text == "8"
    assert [(label, cell.text) for label, cell in s.by_status] == [
        ("Received", "5"),
        ("Being looked at", "<5"),
        ("Solved", "<5"),
    ]
    assert dict((label, cell.text) for label, cell in s.by_category)["A page does not load or looks wrong"] == "5"


def test_a_group_of_fewer_than_five_shows_only_suppressed_cells(clinic, cohort, modules):
    small = Group(
        4, baseline=("completed",), modules=((1, 3),) * 4, minutes=(("message", 10),), last_activity=2,
        support=(("page", "open"),) * 4,
    )  # fmt: skip
    make_group(cohort, modules, small)
    report = report_for(clinic)
    assert {step.count.text for step in report.funnel} == {"<5"}
    assert {step.percent.text for step in report.funnel} == {"<5"}
    a = report.adherence
    assert {a.modules_mean.text, a.modules_median.text, a.behind.text, a.dropouts.text} == {"<5"}
    assert {cell.text for row in report.modules for cell in (row.unlocked, row.completed, row.median_time)} == {"<5"}
    assert {report.time.total.total.text, report.time.total.per_patient.text} == {"<5"}
    assert report.support.total.text == "<5"


def test_one_small_count_beside_a_total_hides_the_smallest_other_one_too():
    shown = cells.distribution_cells([6, 3, 7], base=16)
    assert texts(shown) == ["*", "<5", "7"]
    assert [cell.hidden for cell in shown] == [True, True, False]


def test_filters_by_cohort_programme_and_start_dates_change_the_numbers(clinic, cohort, modules):
    make_story(cohort, modules)
    later = CohortFactory(clinic=clinic, name="Spring group", program=ProgramFactory(slug="other", title="Other"))
    other_modules = list(make_program(weeks=2, pages=1, optional=0, program=later.program).modules.all())
    spring = START + datetime.timedelta(days=28)
    make_group(later, other_modules, Group(7, modules=((1, 3), (8, 10)), start=spring, last_activity=50))

    def invited(data=None):
        return report_for(clinic, data).funnel[0].count.text

    assert invited() == "32"
    assert invited({"cohort": str(later.pk)}) == "7"
    assert invited({"cohort": str(cohort.pk)}) == "25"
    assert invited({"programme": str(later.program.pk)}) == "7"
    assert invited({"started_from": spring.isoformat()}) == "7"
    assert invited({"started_to": (spring - datetime.timedelta(days=1)).isoformat()}) == "25"
    completed = report_for(clinic, {"cohort": str(later.pk)}).funnel[-1]
    assert (completed.count.text, completed.percent.text) == ("7", "100%")
    assert [row.title for row in report_for(clinic, {"cohort": str(later.pk)}).modules] == ["Module 1", "Module 2"]


def test_bad_filters_are_refused_with_a_message(clinic, other_cohort):
    form = ReportFilterForm({"cohort": str(other_cohort.pk), "started_from": "2026-02-31"}, clinic=clinic)
    assert not form.is_valid()
    assert form.errors["cohort"] == ["Choose a cohort from the list."]
    assert form.errors["started_from"] == ["Enter a real date, like 2026-03-01."]
    reversed_dates = ReportFilterForm({"started_from": "2026-03-01", "started_to": "2026-01-01"}, clinic=clinic)
    assert not reversed_dates.is_valid()
    assert reversed_dates.errors["started_to"] == ["The end of the date range must be on or after its start."]


def test_the_charts_draw_shown_numbers_and_no_bar_for_hidden_ones(clinic, story):
    report = report_for(clinic)
    funnel = report.funnel_chart
    assert funnel.title and "Invited: 100%" in funnel.description
    assert [bar.value_text for bar in funnel.bars] == ["100%", "80%", "40%", "60%", "40%", "20%"]
    assert funnel.bars[0].width == charts.WIDTH - charts.VALUE_ROOM
    assert funnel.bars[1].width == pytest.approx(0.8 * funnel.bars[0].width, abs=0.1)
    dropout = report.dropout_chart
    assert [(bar.label, bar.value_text, bar.drawn) for bar in dropout.bars] == [
        ("0", "<5", False),
        ("1", "5", True),
        ("2", "<5", False),
        ("3", "5", True),
    ]
    assert dropout.bars[1].height == dropout.bars[3].height > 0
