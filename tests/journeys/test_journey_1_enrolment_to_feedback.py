"""Journey 1: a clinic admin enrols a cohort by CSV; a patient opens the invitation e-mail, accepts,
answers the baseline questionnaires, works through module 1 (her autosaved answer survives a
reload) and submits it; her therapist signs in with his authenticator and gives feedback; she
reads it. Every step is screenshotted at 1280 and 360 px and checked by axe, including the error
states (a CSV with a mistake, mismatched passwords, an empty questionnaire, empty feedback) and
the htmx-updated ones (autosave, a feedback template swapped in)."""

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinics.models import Enrollment
from guidance.models import Feedback
from modules import tasks as module_tasks
from modules.content import load_program
from modules.models import ExerciseResponse
from outcomes import tasks as outcome_tasks
from outcomes.models import Assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"
HEADER = "Email;First name;Last name;Therapist email;Contact mode"


def csv_file(lines: list[str]) -> dict:
    return {"name": "autumn.csv", "mimeType": "text/csv", "buffer": ("\r\n".join([HEADER, *lines]) + "\r\n").encode()}


def answer_every_question(page):
    groups = page.locator("form fieldset")
    for index in range(groups.count()):
        groups.nth(index).locator("input[type=radio]").first.check()


def test_journey_1_csv_enrolment_invitation_baseline_module_one_and_feedback(
    journey, clinic, cohort, therapist, clinic_admin
):
    load_program(SHIPPED)  # the shipped programme ("living-well" v1) becomes the cohort's programme
    story = journey("1-enrolment-to-feedback")

    # --- The clinic admin enrols the cohort from a CSV file. ------------------------------------
    admin = story.sign_in("admin", clinic_admin, staff=True)
    page = admin.page
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))
    admin.check("clinic-home")
    page.get_by_role("link", name="Cohorts", exact=True).click()
    admin.check("cohorts")
    page.get_by_role("link", name="Autumn group", exact=True).click()
    expect(page.get_by_role("heading", name="Enrol patients from a CSV file")).to_be_visible()
    admin.check("cohort")
    page.get_by_label("CSV file").set_input_files(
        csv_file(
            [
                f"rose@example.com;Rose;Tyler;{therapist.email};async",
                f"martha@example;Martha;Jones;{therapist.email};async",
            ]
        )
    )
    page.get_by_role("button", name="Upload and enrol").click()
    expect(page.get_by_text("The file has 1 problem. Nothing was enrolled.").first).to_be_visible()
    expect(page.locator("#upload-problems")).to_contain_text("This is not an e-mail address.")
    admin.check("csv-with-a-mistake")
    assert not Enrollment.objects.exists()
    page.get_by_label("CSV file").set_input_files(
        csv_file(
            [
                f"rose@example.com;Rose;Tyler;{therapist.email};async",
                f"martha@example.com;Martha;Jones;{therapist.email};async",
            ]
        )
    )
    page.get_by_role("button", name="Upload and enrol").click()
    expect(page.get_by_text("Done: 2 of 2 patients (100%).")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Rose Tyler")).to_be_visible()
    admin.check("csv-enrolled")
    rose = Enrollment.objects.get(patient__email="rose@example.com")
    assert (rose.therapist, rose.cohort, rose.program.slug) == (therapist, cohort, "living-well")

    # One invitation each, and nothing else yet.
    assert sorted(message.to[0] for message in mail.outbox) == ["martha@example.com", "rose@example.com"]
    invitation = next(message for message in mail.outbox if message.to == ["rose@example.com"])
    link = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", invitation.body).group(1)

    # --- Rose opens the link, chooses a password and consents. ------------------------------------
    patient = story.person("patient")
    page = patient.page
    page.goto(link)
    page.wait_for_url(re.compile(r"/invite/password/$"))
    patient.check("choose-password")
    page.get_by_label("Choose a password").fill("calm blue sea at dawn")
    page.get_by_label("Type the password again").fill("calm blue sea at dusk")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("passwords-differ")
    page.get_by_label("Choose a password").fill("calm blue sea at dawn")
    page.get_by_label("Type the password again").fill("calm blue sea at dawn")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/invite/consent/$"))
    patient.check("consent")
    page.get_by_label("I have read and accept the terms of use.").check()
    page.get_by_label("I have read the privacy notice.").check()
    page.get_by_label(re.compile("I agree to take part")).check()
    page.get_by_role("button", name="Agree and start").click()
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.get_by_role("heading", name="Hello Rose")).to_be_visible()
    patient.check("home-first-visit")

    # Beat's sweeps (every 5 to 15 minutes) make her questionnaire schedule and open what is due:
    # run them now as beat would.
    outcome_tasks.reconcile_schedules()
    outcome_tasks.open_due()
    module_tasks.unlock_due()
    baseline = Assessment.objects.filter(enrollment=rose, occasion="baseline")
    assert baseline.count() >= 5 and not baseline.exclude(status=Assessment.Status.OPEN).exists()
    assert rose.plan.items.get(position=1).unlocked_at is None  # module 1 waits for the baseline

    page.reload()
    expect(page.get_by_text(re.compile(rf"You have {baseline.count()} short questionnaires to answer"))).to_be_visible()
    patient.check("home-questionnaires-waiting")
    page.get_by_role("link", name=re.compile("questionnaire", re.I)).first.click()
    expect(page.get_by_text(f"Questionnaire 1 of {baseline.count()}")).to_be_visible()
    page.get_by_role("button", name="Send answers").click()  # nothing chosen
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("questionnaire-empty")
    for number in range(1, baseline.count() + 1):
        expect(page.get_by_text(f"Questionnaire {number} of {baseline.count()}")).to_be_visible()
        answer_every_question(page)
        patient.check(f"questionnaire-{number}")
        page.get_by_role("button", name="Send answers").click()
        page.wait_for_load_state("networkidle")
        if number < baseline.count():
            page.get_by_role("link", name=re.compile("Next questionnaire")).click()
    patient.check("baseline-done")
    assert not baseline.exclude(status=Assessment.Status.COMPLETED).exists()

    # --- Module 1 is open now; she reads it and writes her pain story. ----------------------------
    page.goto("/me/")
    page.get_by_role("link", name=re.compile("Understanding persistent pain")).first.click()
    expect(page.get_by_text("Page 1 of 6")).to_be_visible()
    patient.check("module-1-page-1")
    for number in range(2, 7):
        page.get_by_role("link", name=re.compile("Next")).click()
        expect(page.get_by_text(f"Page {number} of 6")).to_be_visible()
        if number < 6:
            patient.check(f"module-1-page-{number}")
    story_box = page.locator("#exercise-pain-story")
    story_box.get_by_label("How does pain affect your day?").fill("I cannot sleep through the night.")
    expect(story_box.locator("[role=status]").get_by_text(re.compile("Saved at"))).to_be_visible(timeout=10_000)
    patient.check("pain-story-autosaved")
    page.reload()
    story_box = page.locator("#exercise-pain-story")
    expect(story_box.get_by_label("How does pain affect your day?")).to_have_value("I cannot sleep through the night.")
    patient.check("pain-story-after-reload")
    story_box.get_by_label("What would you most like to get back to doing?").fill("Gardening with my grandson.")
    story_box.get_by_label("What do you hope to get from this programme?").fill("To feel in charge again.")
    story_box.get_by_role("button", name="Submit to your therapist").click()
    expect(page.get_by_text("Sent to your therapist").first).to_be_visible()
    patient.check("pain-story-sent")
    response = ExerciseResponse.objects.get(enrollment=rose, exercise__slug="pain-story")
    assert response.submitted_at is not None and response.data["daily_life"] == "I cannot sleep through the night."
    page.get_by_role("button", name="I have finished this module").click()
    page.wait_for_url(re.compile(r"/me/$"))
    expect(page.get_by_text("Well done. You have finished “Understanding persistent pain”.")).to_be_visible()
    patient.check("module-1-finished")
    assert rose.plan.items.get(position=1).completed_at is not None

    # --- Her therapist signs in with his authenticator and writes feedback. -----------------------
    staff = story.sign_in("therapist", therapist, staff=True)
    page = staff.page
    page.wait_for_url(re.compile(r"/caseload/$"))
    staff.check("caseload")
    page.get_by_role("link", name=re.compile(r"To review \(1\)")).click()
    staff.check("to-review")
    page.get_by_role("link", name=re.compile("Your pain story")).click()
    expect(page.get_by_text("I cannot sleep through the night.")).to_be_visible()
    staff.check("write-feedback")
    page.get_by_role("button", name="Send feedback to Rose").click()  # nothing written
    expect(page.get_by_text("There is a problem")).to_be_visible()
    staff.check("feedback-empty")
    page.get_by_label(re.compile("Start from a template")).select_option(label="Thank you for your pain story")
    page.get_by_role("button", name="Use this template").click()  # htmx swaps the box in
    box = page.get_by_label("Your feedback")
    expect(box).to_have_value(re.compile(r"^Hello Rose,"))
    staff.check("feedback-from-template")
    box.fill(
        "Hello Rose,\n\nThank you for your pain story. Poor sleep makes everything harder. This week, try the "
        "wind-down idea from page 6 and tell me how the nights go.\n\nSam"
    )
    page.get_by_role("button", name="Send feedback to Rose").click()
    page.wait_for_url(re.compile(r"/review/$"))
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    staff.check("feedback-sent")
    assert Feedback.objects.filter(enrollment=rose).count() == 1

    # Rose was e-mailed once when module 1 opened and once about the feedback (as "a new message"),
    # and neither e-mail carries what she or her therapist wrote.
    told = [message for message in mail.outbox if message.to == ["rose@example.com"] and message is not invitation]
    assert sorted(message.subject for message in told) == [
        "You have a new message in Steady",
        "Your next module is ready",
    ]
    for message in told:
        assert "Poor sleep" not in message.body and "sleep through the night" not in message.body

    # --- Rose reads it beside her exercise. --------------------------------------------------------
    page = patient.page
    page.goto("/me/")
    patient.check("home-feedback-waiting")
    page.goto("/me/modules/understanding-pain/6/")
    expect(page.get_by_text("Feedback from Sam Okafor").first).to_be_visible()
    expect(page.get_by_text("try the wind-down idea from page 6").first).to_be_visible()
    patient.check("reads-feedback")

    story.assert_accessible()
