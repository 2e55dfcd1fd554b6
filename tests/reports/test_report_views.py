"""The clinic report page, its CSV download and its PDF request: who may see them, what they show,
what bad filters do, what is audited, and a query count that does not grow with the patients."""

import csv
import io
import re

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from reports.csv_export import neutralise
from reports.models import Export
from tests.factories import CohortFactory, make_program
from tests.reports.report_data import Group, make_story, scaled_story
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

# The report page, whatever the number of patients: the session, the user, their roles and authenticator
# (4); the clinic (1); one row per patient, per-module durations and counts, minutes by activity, support
# requests (5); the outcome statistics (4, reports.outcome_stats); the audit row (1); the filter form's
# cohorts and programmes (2).
QUERIES = 17


@pytest.fixture
def modules(cohort):
    program = make_program(weeks=4, pages=1, optional=0, program=cohort.program)
    return list(program.modules.order_by("position"))


@pytest.fixture
def story(cohort, modules):
    return make_story(cohort, modules)


@pytest.fixture
def admin(clinic_admin):
    return client_for(clinic_admin)


def page_url(clinic, **params):
    url = reverse("clinic_report", args=[clinic.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- The page ----------------------------------------------------------------------------------------


def test_it_works(admin, clinic, clinic_admin, story):
    response = admin.get(page_url(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Clinic report",
        "Whole clinic · all time",
        "Patients in this report: 25.",
        "From invitation to completion",
        "Activated their account",
        "Keeping up with the programme",
        "Behind in week 2",
        "Use of each module",
        "Outcomes by contact mode",
        "Satisfaction",
        "Adverse events",
        "Therapist time and cost",
        "Technical support",
        "About these numbers",
        'aria-labelledby="chart-funnel-title chart-funnel-desc"',
    ):
        assert text in html, text
    event = AuditEvent.objects.get(action="reports.report.viewed")
    assert (event.actor, event.clinic, event.object_type) == (clinic_admin, clinic, "")


def test_it_hides_other_clinics(clinic, other_clinic_admin, therapist, patient, story):
    for user in (other_clinic_admin, therapist, patient):
        assert client_for(user).get(page_url(clinic)).status_code == 404
        assert client_for(user).get(reverse("report_csv", args=[clinic.slug])).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="reports.report").exists()


def test_a_cohort_report_is_the_page_with_the_cohort_chosen(admin, clinic, cohort, modules, story):
    spring = CohortFactory(clinic=clinic, name="Spring group", program=cohort.program)
    make_story(spring, modules, groups={"five": scaled_story(25)["finished"]})
    html = admin.get(page_url(clinic, cohort=spring.pk)).content.decode()
    assert "Report for Spring group" in html
    assert "Patients in this report: 5." in html
    event = AuditEvent.objects.get(action="reports.report.viewed")
    assert (event.object_type, event.object_id) == ("clinics.cohort", str(spring.pk))


def test_bad_filters_show_a_message_and_no_numbers(admin, clinic, other_cohort, story):
    response = admin.get(page_url(clinic, cohort=other_cohort.pk, started_from="2026-13-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose a cohort from the list." in html
    assert "Enter a real date, like 2026-03-01." in html
    assert "From invitation to completion" not in html
    assert not AuditEvent.objects.filter(action="reports.report.viewed").exists()


def test_filters_that_match_no_one_say_so(admin, clinic, story):
    html = admin.get(page_url(clinic, started_from="2030-01-01")).content.decode()
    assert "No patients match these filters." in html
    assert "From invitation to completion" not in html


def test_without_a_cost_per_hour_the_page_links_to_settings(admin, clinic, story):
    html = admin.get(page_url(clinic)).content.decode()
    assert "Set the cost per therapist hour in Settings" in html
    assert reverse("clinic_settings", args=[clinic.slug]) in html


def test_with_a_cost_per_hour_the_page_shows_cost_per_patient(admin, clinic, story):
    clinic.cost_per_hour = 60
    clinic.save(update_fields=["cost_per_hour"])
    html = admin.get(page_url(clinic)).content.decode()
    assert "GBP 23.00" in html and "GBP 55.00" in html
    assert "Set the cost per therapist hour" not in html


def test_small_groups_show_less_than_five(admin, clinic, cohort, modules):
    make_story(cohort, modules, groups={"few": Group(3, baseline=("completed",), modules=((1, 3),) * 4)})
    html = admin.get(page_url(clinic)).content.decode()
    assert "Patients in this report: &lt;5." in html
    assert "Among patients who activated their account (&lt;5)." in html
    assert "divided by the number of patients who activated their account (&lt;5)" in html
    assert "divided by their number (&lt;5)" in html
    assert not re.search(r">\s*3\s*<|\(3\)|: 3\.", html)  # the three patients are never counted out loud


def test_the_report_page_refuses_post(admin, clinic):
    assert admin.post(page_url(clinic)).status_code == 405


def test_the_page_runs_the_same_queries_at_100_and_5000_patients(admin, clinic, cohort, modules):
    make_story(cohort, modules, groups=scaled_story(100))
    admin.get(page_url(clinic))  # the session and the roles are read the same way each time
    with assert_queries(QUERIES):
        response = admin.get(page_url(clinic))
    assert "Patients in this report: 100." in response.content.decode()
    make_story(cohort, modules, groups=scaled_story(4900))
    with assert_queries(QUERIES):
        response = admin.get(page_url(clinic))
    assert "Patients in this report: 5,000." in response.content.decode()


# --- The CSV -----------------------------------------------------------------------------------------


def test_the_csv_holds_every_section(admin, clinic, clinic_admin, story):
    response = admin.get(reverse("report_csv", args=[clinic.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="steady-report-northside-')
    rows = csv_rows(response)
    assert rows[0] == ["section", "metric", "value", "n"]
    assert ["Funnel", "Activated their account", "20", "25"] in rows
    assert ["Funnel", "Activated their account (% of invited)", "80.0", "25"] in rows
    assert ["Adherence", "Behind in week 2 (patients)", "10", "20"] in rows
    assert ["Adherence", "Dropped out, last activity in: Week 2", "<5", "10"] in rows
    assert ["Module engagement", "Living well with chronic pain: 1. Module 1 – opened", "20", "20"] in rows
    assert ["Therapist time", "All activities – minutes in total", "460", "15"] in rows
    assert ["Technical support", "Status: Received", "5", "8"] in rows
    sections = {row[0] for row in rows[1:]}
    assert {"Report", "Funnel", "Adherence", "Module engagement", "Therapist time", "Technical support"} <= sections
    assert {"Outcomes", "Satisfaction", "Adverse events"} <= sections
    assert AuditEvent.objects.filter(action="reports.report.downloaded", actor=clinic_admin).count() == 1


def test_the_csv_follows_the_filters(admin, clinic, cohort, modules, story):
    spring = CohortFactory(clinic=clinic, name="Spring group", program=cohort.program)
    make_story(spring, modules, groups={"five": scaled_story(25)["finished"]})
    rows = csv_rows(admin.get(reverse("report_csv", args=[clinic.slug]) + f"?cohort={spring.pk}"))
    assert ["Funnel", "Invited", "5", "5"] in rows
    assert ["Report", "Covers", "Cohort: Spring group · all time", ""] in rows


def test_the_csv_neutralises_formulas(admin, clinic, cohort, modules):
    clinic.name = '=HYPERLINK("http://evil.example")'
    clinic.save(update_fields=["name"])
    cohort.name = "+SUM(A1)"
    cohort.save(update_fields=["name"])
    cohort.program.title = "@SUM(1+1)*cmd|' /C calc'!A0"
    cohort.program.save(update_fields=["title"])
    make_story(cohort, modules)
    rows = csv_rows(admin.get(reverse("report_csv", args=[clinic.slug]) + f"?cohort={cohort.pk}"))
    assert ["Report", "Clinic", '\'=HYPERLINK("http://evil.example")', ""] in rows
    assert ["Report", "Covers", "Cohort: +SUM(A1) · all time", ""] in rows  # not at the start of a cell
    assert "'@SUM(1+1)*cmd|' /C calc'!A0: 1. Module 1 – opened" in [row[1] for row in rows]
    assert ["Adherence", "Modules finished per activated patient (mean)", "1.8", "20"] in rows  # numbers stay
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "", 1).isdigit(), row


def test_every_formula_start_is_neutralised_and_plain_numbers_are_kept():
    for text in ("=1+1", "+1", "-1+1", "-cmd", "@A1", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert [neutralise(v) for v in ("-3.5", "12", "0.25", "Plain", "", None)] == ["-3.5", "12", "0.25", "Plain", "", ""]


def test_the_csv_with_bad_filters_goes_back_to_the_page(admin, clinic, other_cohort):
    response = admin.get(reverse("report_csv", args=[clinic.slug]) + f"?cohort={other_cohort.pk}")
    assert response.status_code == 302
    assert response["Location"] == page_url(clinic) + f"?cohort={other_cohort.pk}"
    assert not AuditEvent.objects.filter(action="reports.report.downloaded").exists()


# --- The PDF request ---------------------------------------------------------------------------------


def test_asking_for_a_pdf_makes_an_export_with_the_filters(admin, clinic, clinic_admin, cohort, story, monkeypatch):
    from reports import clinic_report

    monkeypatch.setattr(clinic_report, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    response = admin.post(reverse("report_pdf", args=[clinic.slug]), {"cohort": cohort.pk, "started_to": "2026-02-01"})
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_export_status", args=[export.code])
    assert (export.owner, export.clinic, export.kind) == (clinic_admin, clinic, Export.Kind.REPORT_PDF)
    assert export.params == {"cohort": str(cohort.pk), "started_to": "2026-02-01"}
    assert AuditEvent.objects.filter(action="reports.report.downloaded", object_id=str(export.code)).count() == 1


def test_the_pdf_request_refuses_get(admin, clinic):
    assert admin.get(reverse("report_pdf", args=[clinic.slug])).status_code == 405


def test_the_pdf_request_hides_other_clinics(clinic, other_clinic_admin, therapist):
    for user in (other_clinic_admin, therapist):
        assert client_for(user).post(reverse("report_pdf", args=[clinic.slug])).status_code == 404
    assert not Export.objects.exists()


def test_a_pdf_with_bad_filters_is_not_asked_for(admin, clinic, other_cohort):
    response = admin.post(reverse("report_pdf", args=[clinic.slug]), {"cohort": other_cohort.pk}, follow=True)
    assert "The PDF could not be asked for: check the filters below." in response.content.decode()
    assert "Choose a cohort from the list." in response.content.decode()
    assert not Export.objects.exists()
    assert not AuditEvent.objects.filter(action="reports.report.downloaded").exists()
