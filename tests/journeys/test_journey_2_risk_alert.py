"""Journey 2: a weekly check with PHQ-9 item 9 above 0. The patient sees the clinic's crisis
resources at once; her therapist sees the alert first on his dashboard and acknowledges it with a
note (after trying without one). A week later she answers item 9 with "More than half the days":
an urgent alert that nobody acknowledges; when the clinic's window has passed, the escalation sweep
e-mails the clinic admins (DESIGN.md, Safety), once, and the admin acknowledges it.

Weeks cannot pass in a test: the weekly checks are opened and the alert's age is set through the
ORM, and the escalation task is run as beat runs it. Everything a person does is done in the browser.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from outcomes import schedule
from outcomes import tasks as outcome_tasks
from outcomes.models import Alert, Assessment
from tests.factories import make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ESCALATED = "Something in Steady needs someone to look at it"
RAISED = "There is something for you to look at in Steady"


def open_week(enrollment, week: int):
    """The weekly check's day has come (the sweep would open it at the start of that day)."""
    Assessment.objects.filter(enrollment=enrollment, occasion=f"week-{week}").update(
        status=Assessment.Status.OPEN, opens_at=timezone.now() - timezone.timedelta(hours=1)
    )


@pytest.fixture
def in_week_two(enrollment, clinic):
    """Margaret started 8 days ago and answered her baseline; beat's sweep opens her week-2 check."""
    clinic.escalation_hours = 4
    clinic.save(update_fields=["escalation_hours"])
    enrollment.start_date = timezone.localdate() - datetime.timedelta(days=8)
    enrollment.save(update_fields=["start_date"])
    make_program(weeks=9, pages=1, optional=0, program=enrollment.program)
    schedule.schedule_sync(enrollment)
    Assessment.objects.filter(enrollment=enrollment, occasion="baseline").update(
        status=Assessment.Status.COMPLETED, submitted_at=timezone.now() - timezone.timedelta(days=8)
    )
    outcome_tasks.open_due()  # as beat runs it
    assert Assessment.objects.filter(enrollment=enrollment, occasion="week-2", status="open").count() == 2
    return enrollment


def answer_weekly_check(patient, item_9: str, step: str):
    page = patient.page
    page.goto("/me/")
    expect(page.get_by_text("You have 2 short questionnaires to answer.")).to_be_visible()
    patient.check(f"{step}-home")
    page.get_by_role("link", name=re.compile("questionnaire", re.I)).first.click()
    expect(page.get_by_text("Questionnaire 1 of 2")).to_be_visible()
    for group in page.locator("form fieldset").all():
        group.locator("input[type=radio]").first.check()
    patient.check(f"{step}-questionnaire-1")
    page.get_by_role("button", name="Send answers").click()
    page.get_by_role("link", name=re.compile("Next questionnaire")).click()
    expect(page.get_by_text("Questionnaire 2 of 2")).to_be_visible()
    for group in page.locator("form fieldset").all():
        group.locator("input[type=radio]").first.check()
    page.get_by_role("group", name=re.compile("better off dead")).get_by_label(item_9).check()
    patient.check(f"{step}-phq9")
    page.get_by_role("button", name="Send answers").click()
    # At once, on the page that answers the submit: the clinic's crisis resources.
    expect(page.get_by_role("alert").filter(has_text="116 123")).to_be_visible()
    patient.check(f"{step}-crisis-resources")


def test_journey_2_item_9_crisis_alert_acknowledgement_and_escalation(
    journey, in_week_two, clinic, therapist, clinic_admin
):
    enrollment = in_week_two
    story = journey("2-risk-alert")

    patient = story.sign_in("patient", enrollment.patient, staff=False)
    page = patient.page
    page.goto("/me/questionnaires/")
    page.get_by_role("button", name="Send answers").click()  # nothing chosen
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("week-2-empty")
    answer_weekly_check(patient, "Several days", "week-2")
    first = Alert.objects.get(enrollment=enrollment, kind=Alert.Kind.RISK)
    assert first.tier == Alert.Tier.NORMAL and first.acknowledged_at is None
    assert [message.subject for message in mail.outbox if message.to == [therapist.email]] == [RAISED]

    # --- The therapist: the alert is at the top of the dashboard; he acknowledges it. -------------
    staff = story.sign_in("therapist", therapist, staff=True)
    page = staff.page
    page.wait_for_url(re.compile(r"/caseload/$"))
    row = page.locator("tr", has_text=enrollment.patient.name)
    expect(row.get_by_text("1 open alert")).to_be_visible()
    staff.check("dashboard-alert")
    page.get_by_role("link", name="Alerts").first.click()
    expect(page.get_by_role("heading", name="1 open alert")).to_be_visible()
    staff.check("alerts")
    page.get_by_role("button", name=re.compile("^Acknowledge")).click()  # no note
    expect(page.get_by_text("There is a problem")).to_be_visible()
    staff.check("acknowledge-without-note")
    page.get_by_label(re.compile("What did you do")).fill("Phoned her. She is safe and will see her GP on Monday.")
    page.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(page.get_by_role("heading", name="0 open alerts")).to_be_visible()
    expect(page.get_by_text("Phoned her.")).to_be_visible()
    staff.check("acknowledged")
    first.refresh_from_db()
    assert first.acknowledged_by == therapist and first.note.startswith("Phoned her.")

    # --- A week later (opened through the ORM): item 9 at "More than half the days", and nobody
    # acknowledges. --------------------------------------------------------------------------------
    open_week(enrollment, 3)
    answer_weekly_check(patient, "More than half the days", "week-3")
    urgent = Alert.objects.get(enrollment=enrollment, kind=Alert.Kind.RISK, acknowledged_at__isnull=True)
    assert urgent.tier == Alert.Tier.URGENT
    page = staff.page
    page.goto("/caseload/")
    expect(page.locator("tr", has_text=enrollment.patient.name).get_by_text("Urgent: 1 open alert")).to_be_visible()
    staff.check("dashboard-urgent-alert")

    # Within the window the sweep leaves it with the therapist.
    assert outcome_tasks.escalate_alerts() == 0
    assert not [message for message in mail.outbox if message.subject == ESCALATED]
    # The clinic's 4 hours pass (set on the alert), and beat runs the escalation sweep.
    Alert.objects.filter(pk=urgent.pk).update(created_at=timezone.now() - timezone.timedelta(hours=4, minutes=1))
    assert outcome_tasks.escalate_alerts() == 1
    assert outcome_tasks.escalate_alerts() == 0  # the next run finds nothing more to do
    escalations = [message for message in mail.outbox if message.subject == ESCALATED]
    assert [message.to for message in escalations] == [[clinic_admin.email]]
    assert enrollment.patient.name not in escalations[0].body and "dead" not in escalations[0].body
    link = re.search(r"https?://[^/\s]+(/\S+)", escalations[0].body).group(1)

    # --- The clinic admin follows the e-mail's link and acknowledges it. ---------------------------
    admin = story.sign_in("admin", clinic_admin, staff=True)
    page = admin.page
    page.goto(link)
    urgent_card = page.locator("li, section, article, div.nhsuk-card", has_text=enrollment.patient.name).filter(
        has_text="Urgent"
    )
    expect(urgent_card.get_by_text(re.compile("^Escalated")).first).to_be_visible()
    admin.check("escalated-alert")
    page.get_by_label(re.compile("What did you do")).fill("Reached her through the GP surgery; crisis team informed.")
    page.get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(page.get_by_role("heading", name="0 open alerts")).to_be_visible()
    admin.check("escalated-alert-acknowledged")
    urgent.refresh_from_db()
    assert urgent.acknowledged_by == clinic_admin and urgent.escalated_at is not None

    story.assert_accessible()
