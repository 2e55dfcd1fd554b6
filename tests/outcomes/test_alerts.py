"""Alerts: the therapist's list, acknowledging with a note, escalating urgent ones once, and overdue flags."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent, Clinic, Membership
from notifications.models import Notification
from notifications.services import dispatch_due
from outcomes import alerts
from outcomes.instruments import get_instrument
from outcomes.models import Alert, Assessment, Occasion
from tests.factories import EnrollmentFactory, MembershipFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def make_assessment(enrollment, key="phq9", occasion="week-2", position=0, **extra):
    now = timezone.now()
    fields = {
        "instrument_version": get_instrument(key).version,
        "occasion_kind": Occasion.WEEKLY,
        "opens_at": now - datetime.timedelta(days=1),
        "due_at": now + datetime.timedelta(days=2),
        "closes_at": now + datetime.timedelta(days=6),
        "status": Assessment.Status.OPEN,
        **extra,
    }
    return Assessment.objects.create(
        enrollment=enrollment, instrument_key=key, occasion=occasion, position=position, **fields
    )


def risk_alert(enrollment, tier=Alert.Tier.URGENT, item9=2, created_at=None, occasion="week-2") -> Alert:
    answers = {f"phq9_{n}": 0 for n in range(1, 9)} | {"phq9_9": item9}
    assessment = make_assessment(
        enrollment, occasion=occasion, status=Assessment.Status.COMPLETED, answers=answers, total=item9
    )
    return Alert.objects.create(
        enrollment=enrollment,
        assessment=assessment,
        kind=Alert.Kind.RISK,
        tier=tier,
        created_at=created_at or timezone.now(),
    )


@pytest.fixture
def second_admin(clinic):
    return MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN, user__name="Jo Admin").user


# --- Escalation ------------------------------------------------------------------------------------


def test_an_urgent_alert_is_not_escalated_before_the_clinics_window(enrollment, clinic_admin):
    now = timezone.now()
    alert = risk_alert(enrollment, created_at=now - 4 * HOUR + datetime.timedelta(minutes=1))
    assert alerts.escalate_due(now=now) == 0
    alert.refresh_from_db()
    assert alert.escalated_at is None
    assert not Notification.objects.filter(kind=alerts.ESCALATED_KIND).exists()


def test_an_urgent_alert_is_escalated_to_every_admin_exactly_once(enrollment, clinic_admin, second_admin):
    now = timezone.now()
    alert = risk_alert(enrollment, created_at=now - 4 * HOUR)
    inactive = MembershipFactory(clinic=enrollment.clinic, role=Membership.Role.ADMIN, is_active=False).user
    assert alerts.escalate_due(now=now) == 1
    assert alerts.escalate_due(now=now + HOUR) == 0
    alert.refresh_from_db()
    assert alert.escalated_at == now
    escalations = Notification.objects.filter(kind=alerts.ESCALATED_KIND)
    assert sorted(n.user_id for n in escalations) == sorted([clinic_admin.pk, second_admin.pk])
    assert inactive.pk not in [n.user_id for n in escalations]
    assert AuditEvent.objects.filter(action="outcomes.alert.escalated", enrollment=enrollment).count() == 1
    dispatch_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([clinic_admin.email, second_admin.email])
    for message in mail.outbox:
        assert message.subject == "Something in Steady needs someone to look at it"
        assert reverse("alert_list") in message.body
        text = (message.subject + message.body).lower()
        assert "phq" not in text and "risk" not in text and "harm" not in text and "margaret" not in text


def test_acknowledged_and_normal_alerts_are_never_escalated(enrollment, therapist, clinic_admin):
    long_ago = timezone.now() - 48 * HOUR
    acknowledged = risk_alert(enrollment, created_at=long_ago, occasion="week-2")
    alerts.alert_acknowledge(alert=acknowledged, by=therapist, note="Phoned her; she is safe.")
    risk_alert(enrollment, tier=Alert.Tier.NORMAL, item9=1, created_at=long_ago, occasion="week-3")
    assert alerts.escalate_due() == 0
    assert not Alert.objects.filter(escalated_at__isnull=False).exists()
    assert not Notification.objects.filter(kind=alerts.ESCALATED_KIND).exists()


def test_the_window_is_the_clinics_own(enrollment, clinic_admin):
    Clinic.objects.filter(pk=enrollment.clinic_id).update(escalation_hours=1)
    now = timezone.now()
    risk_alert(enrollment, created_at=now - HOUR - datetime.timedelta(seconds=1))
    assert alerts.escalate_due(now=now) == 1


def test_the_escalation_email_is_not_sent_once_the_alert_is_acknowledged(enrollment, therapist, clinic_admin):
    alert = risk_alert(enrollment, created_at=timezone.now() - 5 * HOUR)
    alerts.escalate_due()
    alerts.alert_acknowledge(alert=alert, by=therapist, note="Spoke to her this morning.")
    dispatch_due()
    assert mail.outbox == []
    assert Notification.objects.get(kind=alerts.ESCALATED_KIND).status == Notification.Status.CANCELLED


def test_a_risk_alert_without_a_therapist_goes_to_the_clinic_admins(cohort, clinic_admin):
    enrollment = EnrollmentFactory(cohort=cohort, therapist=None)
    assessment = make_assessment(enrollment, status=Assessment.Status.COMPLETED, flags=["risk"])
    alerts.risk_alert_for(assessment)
    assert [n.user for n in Notification.objects.filter(kind=alerts.RAISED_KIND)] == [clinic_admin]


# --- Overdue flags ---------------------------------------------------------------------------------


def test_an_overdue_occasion_is_flagged_once_without_a_notification(enrollment, same_clinic_enrollment):
    now = timezone.now()
    late = {"due_at": now - HOUR}
    make_assessment(enrollment, "peg3", occasion="week-2", position=0, **late)
    make_assessment(enrollment, "phq9", occasion="week-2", position=1, **late)
    make_assessment(enrollment, "phq9", occasion="week-3", position=1)  # not due yet
    make_assessment(same_clinic_enrollment, "phq9", occasion="week-2", status=Assessment.Status.COMPLETED, **late)
    assert alerts.flag_overdue(now=now) == 1
    assert alerts.flag_overdue(now=now) == 0
    alert = Alert.objects.get()
    assert (alert.kind, alert.tier, alert.enrollment) == (Alert.Kind.OVERDUE, Alert.Tier.NORMAL, enrollment)
    assert alert.assessment.occasion == "week-2" and alert.assessment.position == 0
    assert not Notification.objects.exists()


def test_answering_the_first_questionnaire_does_not_flag_the_occasion_again(enrollment):
    now = timezone.now()
    first = make_assessment(enrollment, "peg3", position=0, due_at=now - HOUR)
    make_assessment(enrollment, "phq9", position=1, due_at=now - HOUR)
    alerts.flag_overdue(now=now)
    Assessment.objects.filter(pk=first.pk).update(status=Assessment.Status.COMPLETED)
    assert alerts.flag_overdue(now=now + HOUR) == 0
    assert Alert.objects.count() == 1


# --- Acknowledging (the service) -------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   \n ", None, "x" * 2001])
def test_acknowledging_needs_a_note_of_up_to_2000_characters(enrollment, therapist, note):
    alert = risk_alert(enrollment)
    with pytest.raises(alerts.AlertNoteError):
        alerts.alert_acknowledge(alert=alert, by=therapist, note=note)
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="outcomes.alert.acknowledged").exists()


def test_acknowledging_records_who_when_and_what_once_and_is_audited(enrollment, therapist, clinic_admin):
    alert = risk_alert(enrollment)
    alerts.alert_acknowledge(alert=alert, by=therapist, note="  Phoned her; she has the crisis numbers.  ")
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist and alert.acknowledged_at is not None
    assert alert.note == "Phoned her; she has the crisis numbers."
    event = AuditEvent.objects.get(action="outcomes.alert.acknowledged")
    assert (event.actor, event.enrollment, event.object_id) == (therapist, enrollment, str(alert.code))
    with pytest.raises(alerts.AlertError, match="already been acknowledged"):
        alerts.alert_acknowledge(alert=Alert.objects.get(pk=alert.pk), by=clinic_admin, note="Me too.")
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist


# --- The alerts page -------------------------------------------------------------------------------


def test_it_works_for_the_therapist_urgent_first_then_newest(enrollment, therapist, cohort):
    now = timezone.now()
    older_normal = risk_alert(enrollment, tier=Alert.Tier.NORMAL, item9=1, created_at=now - HOUR, occasion="week-2")
    second = EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name="Brian Cole")
    newest_normal = risk_alert(second, tier=Alert.Tier.NORMAL, item9=1, created_at=now, occasion="week-2")
    old_urgent = risk_alert(enrollment, created_at=now - 2 * HOUR, occasion="week-3")
    response = client_for(therapist).get(reverse("alert_list"))
    assert response.status_code == 200
    page = response.content.decode()
    positions = [page.index(f"alert-{alert.code}-title") for alert in (old_urgent, newest_normal, older_normal)]
    assert positions == sorted(positions)
    assert "3 open alerts" in page
    assert "Margaret Hill" in page and reverse("enrollment_detail", args=[enrollment.code]) in page
    assert "question 9 (thoughts of being better off dead or of self-harm): “More than half the days”" in page
    assert page.count("What did you do?") == 3
    assert reverse("alert_acknowledge", args=[old_urgent.code]) in page
    assert AuditEvent.objects.filter(action="outcomes.alerts.viewed", actor=therapist).count() == 1


def test_it_hides_other_therapists_patients(same_clinic_enrollment, therapist, other_therapist):
    alert = risk_alert(same_clinic_enrollment)
    page = client_for(therapist).get(reverse("alert_list")).content.decode()
    assert "David Evans" not in page and str(alert.code) not in page
    assert "0 open alerts" in page
    assert "David Evans" in client_for(other_therapist).get(reverse("alert_list")).content.decode()


def test_clinic_admins_see_all_their_clinics_alerts_with_escalations_marked(
    enrollment, same_clinic_enrollment, other_clinic_enrollment, clinic_admin, other_clinic_admin
):
    risk_alert(enrollment, created_at=timezone.now() - 5 * HOUR)
    risk_alert(same_clinic_enrollment, tier=Alert.Tier.NORMAL, item9=1)
    risk_alert(other_clinic_enrollment)
    alerts.escalate_due()
    page = client_for(clinic_admin).get(reverse("alert_list")).content.decode()
    assert "Margaret Hill" in page and "David Evans" in page and "Ingrid Holm" not in page
    assert page.count("Escalated ") == 1
    other = client_for(other_clinic_admin).get(reverse("alert_list")).content.decode()
    assert "Ingrid Holm" in other and "Margaret Hill" not in other


def test_acknowledged_alerts_are_listed_apart_the_last_20(enrollment, therapist):
    for week in range(2, 25):
        alert = risk_alert(enrollment, occasion=f"week-{week}")
        alerts.alert_acknowledge(alert=alert, by=therapist, note=f"Note for week {week}.")
    page = client_for(therapist).get(reverse("alert_list")).content.decode()
    assert "0 open alerts" in page and "Recently acknowledged" in page
    assert "Note for week 24." in page and "Note for week 5." in page
    assert "Note for week 4." not in page  # the 21st newest


@pytest.mark.parametrize("persona", ["patient", "other_patient", "operator"])
def test_patients_and_operators_get_404(request, persona, enrollment):
    risk_alert(enrollment)
    assert client_for(request.getfixturevalue(persona)).get(reverse("alert_list")).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(reverse("alert_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_menu_has_alerts_for_staff_who_handle_them_only(therapist, clinic_admin, patient, operator):
    assert ">Alerts<" in client_for(therapist).get(reverse("caseload")).content.decode()
    assert ">Alerts<" in client_for(clinic_admin).get(reverse("alert_list")).content.decode()
    assert ">Alerts<" not in client_for(patient).get(reverse("profile")).content.decode()
    assert ">Alerts<" not in client_for(operator).get(reverse("profile")).content.decode()


@pytest.mark.parametrize("count", [1, 25])
def test_the_page_costs_the_same_queries_at_1_and_25_alerts(cohort, therapist, count):
    for n in range(count):
        enrollment = EnrollmentFactory(cohort=cohort, therapist=therapist)
        risk_alert(enrollment)
        acknowledged = risk_alert(enrollment, occasion="week-3", tier=Alert.Tier.NORMAL, item9=1)
        alerts.alert_acknowledge(alert=acknowledged, by=therapist, note=f"Done {n}.")
    client = client_for(therapist)
    client.get(reverse("alert_list"))
    # session, user, roles, staff MFA check, open alerts, acknowledged alerts, the audit event, the
    # messages badge
    with assert_queries(9):
        response = client.get(reverse("alert_list"))
    assert response.content.decode().count("What did you do?") == count


# --- Acknowledging (the page) ----------------------------------------------------------------------


def test_acknowledge_refuses_get(therapist, enrollment):
    alert = risk_alert(enrollment)
    assert client_for(therapist).get(reverse("alert_acknowledge", args=[alert.code])).status_code == 405


def test_acknowledge_works_and_says_so(therapist, enrollment):
    alert = risk_alert(enrollment)
    client = client_for(therapist)
    response = client.post(reverse("alert_acknowledge", args=[alert.code]), {"note": "Phoned her; she is safe."})
    assert response.status_code == 302 and response["Location"] == reverse("alert_list")
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist and alert.note == "Phoned her; she is safe."
    assert AuditEvent.objects.filter(action="outcomes.alert.acknowledged", actor=therapist).count() == 1
    page = client.get(reverse("alert_list")).content.decode()
    assert "The alert is acknowledged." in page and "Phoned her; she is safe." in page


def test_an_empty_note_is_shown_next_to_the_field_and_changes_nothing(therapist, enrollment):
    alert = risk_alert(enrollment)
    response = client_for(therapist).post(reverse("alert_acknowledge", args=[alert.code]), {"note": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a href="#note-{alert.code}">Write what you did about this alert.</a>' in page
    assert f'id="note-{alert.code}-error"' in page and "nhsuk-textarea--error" in page
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.note == ""
    assert not AuditEvent.objects.filter(action="outcomes.alert.acknowledged").exists()


def test_acknowledging_twice_says_it_was_done(therapist, enrollment):
    alert = risk_alert(enrollment)
    client = client_for(therapist)
    client.post(reverse("alert_acknowledge", args=[alert.code]), {"note": "Done."})
    response = client.post(reverse("alert_acknowledge", args=[alert.code]), {"note": "Again."}, follow=True)
    assert "already been acknowledged" in response.content.decode()
    alert.refresh_from_db()
    assert alert.note == "Done."


@pytest.mark.parametrize("persona", ["other_therapist", "other_clinic_admin", "patient", "operator"])
def test_acknowledge_hides_alerts_out_of_scope(request, persona, enrollment):
    alert = risk_alert(enrollment)
    client = client_for(request.getfixturevalue(persona))
    response = client.post(reverse("alert_acknowledge", args=[alert.code]), {"note": "Not mine."})
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_a_clinic_admin_may_acknowledge_an_escalated_alert(clinic_admin, enrollment):
    alert = risk_alert(enrollment, created_at=timezone.now() - 5 * HOUR)
    alerts.escalate_due()
    response = client_for(clinic_admin).post(
        reverse("alert_acknowledge", args=[alert.code]), {"note": "Called the therapist's manager."}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == clinic_admin


def test_one_open_deterioration_alert_per_instrument(enrollment, therapist):
    from outcomes.models import Assessment as A

    base = dict(enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-en-pfizer-1")
    now = timezone.now()
    times = dict(opens_at=now, due_at=now, closes_at=now)
    A.objects.create(**base, occasion="baseline", occasion_kind="baseline", status="completed", total=5, **times)
    week3 = A.objects.create(**base, occasion="week-3", occasion_kind="weekly", status="completed", total=12, **times)
    week4 = A.objects.create(**base, occasion="week-4", occasion_kind="weekly", status="completed", total=14, **times)
    assert alerts.deterioration_alert_for(week3) is not None
    assert alerts.deterioration_alert_for(week4) is None
    Alert.objects.filter(kind="deterioration").update(acknowledged_at=now, acknowledged_by=therapist, note="Seen")
    assert alerts.deterioration_alert_for(week4) is not None
