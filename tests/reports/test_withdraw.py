"""Withdrawing a patient: only the clinic's admins; reminders, questionnaires and check-ins stop, and
every periodic sweep leaves the enrolment alone from then on."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent, Enrollment, Invitation
from guidance import checkins
from guidance.dashboard import DashboardFilters, dashboard
from guidance.models import CheckIn
from modules import plans
from modules.models import Plan
from notifications.models import Notification
from notifications.services import dispatch_due, notify
from outcomes import alerts, schedule
from outcomes.models import Alert, Assessment
from reports.data_rights import DataRightsError, enrollment_withdraw
from tests.factories import EnrollmentFactory, make_program
from tests.utils import client_for

pytestmark = pytest.mark.django_db
NOW = timezone.now


@pytest.fixture
def program(enrollment):
    return make_program(weeks=3, pages=1, optional=0, program=enrollment.program)


def url(enrollment):
    return reverse("patient_withdraw", args=[enrollment.code])


def withdraw(admin, enrollment, reason="patient_asked", client=None):
    return (client or client_for(admin)).post(url(enrollment), {"reason": reason})


def assessment(enrollment, status, *, occasion="week-2", opens=None, due=None, closes=None):
    now = NOW()
    return Assessment.objects.create(
        enrollment=enrollment, instrument_key="phq9", instrument_version="v", occasion=occasion,
        occasion_kind="weekly", opens_at=opens or now, due_at=due or now,
        closes_at=closes or now + datetime.timedelta(days=3), status=status,
    )  # fmt: skip


def test_it_works(clinic_admin, enrollment):
    client = client_for(clinic_admin)
    page = client.get(url(enrollment))
    assert page.status_code == 200
    assert "Withdraw Margaret Hill" in page.content.decode()
    assert AuditEvent.objects.filter(action="reports.patient.withdraw_viewed", actor=clinic_admin).count() == 1

    response = withdraw(clinic_admin, enrollment, reason="no_contact", client=client)

    assert response.status_code == 302 and response["Location"] == reverse("enrollment_detail", args=[enrollment.code])
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.WITHDRAWN and enrollment.withdrawn_at is not None
    event = AuditEvent.objects.get(action="reports.patient.withdrawn")
    assert (event.actor, event.enrollment, event.object_id) == (clinic_admin, enrollment, "no_contact")
    detail = client.get(response["Location"]).content.decode()
    assert "The patient is withdrawn." in detail and "Withdrawn" in detail


def test_a_pending_reminder_is_not_sent_afterwards(clinic_admin, enrollment, program):
    plan = plans.plan_ensure(enrollment)
    plans.unlock_item(plan.items.get(module__slug="m1"), now=NOW())  # "a new module is ready", due now
    later = NOW() + datetime.timedelta(days=2)
    notify(
        user=enrollment.patient, kind=schedule.DUE_REMINDER_KIND, dedupe_key="due-reminder",
        context={"enrollment_id": enrollment.pk, "occasion": "week-2"}, due_at=later,
    )  # fmt: skip

    withdraw(clinic_admin, enrollment)
    dispatch_due(now=later + datetime.timedelta(hours=1))

    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.CANCELLED}


def test_reminders_of_another_open_enrolment_go_on(clinic_admin, enrollment, other_cohort):
    elsewhere = EnrollmentFactory(cohort=other_cohort, patient=enrollment.patient)
    mine = notify(
        user=enrollment.patient, kind=schedule.OPEN_REMINDER_KIND, dedupe_key="here",
        context={"enrollment_id": enrollment.pk, "occasion": "week-2"},
    )  # fmt: skip
    theirs = notify(
        user=enrollment.patient, kind=schedule.OPEN_REMINDER_KIND, dedupe_key="elsewhere",
        context={"enrollment_id": elsewhere.pk, "occasion": "week-2"},
    )  # fmt: skip
    withdraw(clinic_admin, enrollment)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Notification.Status.CANCELLED, Notification.Status.PENDING)


def test_open_and_scheduled_questionnaires_expire(clinic_admin, enrollment):
    open_one = assessment(enrollment, Assessment.Status.OPEN)
    scheduled = assessment(enrollment, Assessment.Status.SCHEDULED, occasion="week-3")
    done = assessment(enrollment, Assessment.Status.COMPLETED, occasion="baseline")
    withdraw(clinic_admin, enrollment)
    statuses = [Assessment.objects.get(pk=a.pk).status for a in (open_one, scheduled, done)]
    assert statuses == [Assessment.Status.EXPIRED, Assessment.Status.EXPIRED, Assessment.Status.COMPLETED]


def test_a_booked_check_in_is_cancelled_and_both_sides_are_told(clinic_admin, enrollment, therapist):
    starts = NOW() + datetime.timedelta(days=3)
    checkin = CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30),
        booked_by=enrollment.patient, room="room",
    )  # fmt: skip
    withdraw(clinic_admin, enrollment)
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.CANCELLED and checkin.cancelled_by == clinic_admin
    told = Notification.objects.filter(kind=checkins.CANCELLED_KIND, status=Notification.Status.PENDING)
    assert set(told.values_list("user_id", flat=True)) == {therapist.pk, enrollment.patient_id}
    assert AuditEvent.objects.filter(action="guidance.checkin.cancelled", enrollment=enrollment).count() == 1


def test_an_unused_invitation_stops_working(clinic_admin, enrollment):
    invitation = Invitation.objects.create(
        user=enrollment.patient, email=enrollment.patient.email, clinic=enrollment.clinic, role="patient",
        enrollment=enrollment, expires_at=NOW() + datetime.timedelta(days=7),
    )  # fmt: skip
    withdraw(clinic_admin, enrollment)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_usable


def test_the_sweeps_skip_a_withdrawn_enrolment(clinic_admin, enrollment, program, therapist):
    plans.plan_ensure(enrollment)
    active = EnrollmentFactory(cohort=enrollment.cohort, therapist=therapist)
    plans.plan_ensure(active)
    unplanned = EnrollmentFactory(cohort=enrollment.cohort, therapist=therapist)
    withdraw(clinic_admin, enrollment)
    enrollment_withdraw(enrollment=unplanned, by=clinic_admin, reason="other")
    # As if a sweep had raced the withdrawal: one questionnaire opens late, one is still waiting.
    open_one = assessment(enrollment, Assessment.Status.OPEN, due=NOW() - datetime.timedelta(hours=1))
    waiting = assessment(enrollment, Assessment.Status.SCHEDULED, occasion="week-3")
    far = NOW() + datetime.timedelta(days=60)

    assert plans.unlock_due(now=far) == 3  # the active patient's three modules, none of the withdrawn one's
    assert not Plan.objects.filter(enrollment=unplanned).exists() and plans.plan_reconcile() == 0
    schedule.schedule_reconcile()
    assert Assessment.objects.filter(enrollment=active).exists()
    assert Assessment.objects.filter(enrollment=enrollment).count() == 2
    schedule.open_due(now=NOW())
    assert Assessment.objects.get(pk=waiting.pk).status == Assessment.Status.SCHEDULED
    assert Assessment.objects.filter(enrollment=active, status=Assessment.Status.OPEN).exists()
    schedule.remind_due(now=NOW())
    assert not Notification.objects.filter(kind__startswith="outcomes.", user=enrollment.patient).exists()
    alerts.flag_overdue(now=NOW())
    assert not Alert.objects.filter(enrollment=enrollment).exists()
    shown = [row.enrollment for row in dashboard(therapist, DashboardFilters())]
    assert enrollment not in shown and active in shown
    assert Assessment.objects.get(pk=open_one.pk).status == Assessment.Status.OPEN  # untouched by the sweeps


def test_the_due_day_reminder_leaves_a_withdrawn_patient_alone(enrollment):
    """remind_due used to remind any open questionnaire, whatever the enrolment's status."""
    zone = enrollment.patient.zone
    noon = datetime.datetime.combine(timezone.localdate(), datetime.time(12), tzinfo=zone)
    assessment(
        enrollment,
        Assessment.Status.OPEN,
        due=noon - datetime.timedelta(hours=2),
        closes=noon + datetime.timedelta(days=2),
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.WITHDRAWN)
    assert schedule.remind_due(now=noon) == 0
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.ACTIVE)
    assert schedule.remind_due(now=noon) == 1  # the same questionnaire, active: reminded


def test_an_urgent_risk_alert_still_escalates(clinic_admin, enrollment):
    alert = Alert.objects.create(enrollment=enrollment, kind=Alert.Kind.RISK, tier=Alert.Tier.URGENT)
    withdraw(clinic_admin, enrollment)
    assert alerts.escalate_due(now=NOW() + datetime.timedelta(days=1)) == 1
    alert.refresh_from_db()
    assert alert.escalated_at is not None


def test_withdrawing_twice_changes_nothing_more(clinic_admin, enrollment):
    withdraw(clinic_admin, enrollment)
    first = Enrollment.objects.get(pk=enrollment.pk).withdrawn_at
    client = client_for(clinic_admin)
    response = withdraw(clinic_admin, enrollment, client=client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The patient was already withdrawn. Nothing has changed." in page
    assert Enrollment.objects.get(pk=enrollment.pk).withdrawn_at == first
    assert AuditEvent.objects.filter(action="reports.patient.withdrawn").count() == 1
    assert enrollment_withdraw(enrollment=enrollment, by=clinic_admin, reason="other") is False


def test_a_finished_patient_cannot_be_withdrawn(clinic_admin, enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    page = client_for(clinic_admin).get(url(enrollment)).content.decode()
    assert "finished the programme, so there is nothing to withdraw" in page
    withdraw(clinic_admin, enrollment)
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.COMPLETED
    with pytest.raises(DataRightsError):
        enrollment_withdraw(enrollment=Enrollment.objects.get(pk=enrollment.pk), by=clinic_admin, reason="other")


def test_a_missing_reason_shows_a_message_and_changes_nothing(clinic_admin, enrollment):
    response = withdraw(clinic_admin, enrollment, reason="")
    assert response.status_code == 200
    assert "Choose why the patient is leaving." in response.content.decode()
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="reports.patient.withdrawn").exists()
    response = withdraw(clinic_admin, enrollment, reason="because I said so")
    assert response.status_code == 200 and "Choose one of the reasons shown." in response.content.decode()


def test_it_hides_other_clinics(other_clinic_admin, other_therapist, enrollment):
    for user in (other_clinic_admin, other_therapist):
        assert client_for(user).get(url(enrollment)).status_code == 404
        assert withdraw(user, enrollment).status_code == 404
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE


def test_the_patients_therapist_may_not_withdraw(therapist, enrollment):
    assert client_for(therapist).get(url(enrollment)).status_code == 403
    assert withdraw(therapist, enrollment).status_code == 403
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ACTIVE


def test_the_patient_page_offers_it_to_admins_only(clinic_admin, therapist, enrollment):
    detail = reverse("enrollment_detail", args=[enrollment.code])
    assert url(enrollment) in client_for(clinic_admin).get(detail).content.decode()
    assert url(enrollment) not in client_for(therapist).get(detail).content.decode()
