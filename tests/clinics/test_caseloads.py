"""Caseloads: patients per therapist with their load, and moving patients to another therapist."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from clinics.models import AuditEvent, Enrollment, Membership
from clinics.staff import ReassignError, enrollments_reassign
from notifications.models import Notification
from tests.conftest import with_totp
from tests.factories import EnrollmentFactory, MembershipFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


def caseloads_url(clinic):
    return reverse("caseloads", args=[clinic.slug])


def membership_of(user, clinic):
    return Membership.objects.get(user=user, clinic=clinic, role=Membership.Role.THERAPIST)


def reassign(client, clinic, enrollments, to, **extra):
    data = {"enrollments": [str(e.code) for e in enrollments], "to_therapist": to.pk if to else "", **extra}
    return client.post(reverse("caseload_reassign", args=[clinic.slug]), data)


@pytest.fixture
def loads(cohort, therapist, other_therapist, enrollment, same_clinic_enrollment):
    """Sam: 1 active (Margaret) + 1 paused + 1 invited + 1 completed; Alex: 1 active (David); one
    patient with no therapist."""
    EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.PAUSED, patient__name="Paula Paused")
    EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.INVITED, patient__name="Ian Invited")
    EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.COMPLETED, patient__name="Carl Done")
    EnrollmentFactory(cohort=cohort, therapist=None, patient__name="Nora Nobody")


# --- The caseloads page ---------------------------------------------------------------------------


def test_it_shows_each_therapists_load_against_the_average(clinic_admin, clinic, loads):
    response = client_for(clinic_admin).get(caseloads_url(clinic))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The clinic has 5 open patients" in page
    assert "On average, each therapist has 2.0." in page
    # Sam: 3 open (1 active, 1 paused, 1 invited) = 150% of the average; Alex: 1 = 50%.
    assert "150% of average (above average)" in page
    assert "50% of average (below average)" in page
    assert "Needs a therapist" in page
    for name in ("Margaret Hill", "David Evans", "Paula Paused", "Ian Invited", "Nora Nobody"):
        assert name in page
    assert "Carl Done" not in page
    assert AuditEvent.objects.filter(action="clinics.caseloads.viewed", clinic=clinic).count() == 1


def test_it_filters_by_therapist(clinic_admin, clinic, therapist, loads):
    membership = membership_of(therapist, clinic)
    page = client_for(clinic_admin).get(caseloads_url(clinic), {"therapist": membership.pk}).content.decode()
    table = page.split('id="patients"')[1]
    assert "3 open patients of Sam Okafor" in table
    assert "Margaret Hill" in table and "Ian Invited" in table and "David Evans" not in table
    assert "Move all 3 of Sam Okafor's patients" in table


def test_it_shows_patients_without_an_active_therapist(clinic_admin, clinic, other_therapist, loads):
    Membership.objects.filter(user=other_therapist).update(is_active=False)
    page = client_for(clinic_admin).get(caseloads_url(clinic), {"therapist": "none"}).content.decode()
    table = page.split('id="patients"')[1]
    assert "2 open patients without an active therapist" in table
    assert "Nora Nobody" in table and "David Evans" in table and "Margaret Hill" not in table


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_an_unknown_therapist_shows_everyone_with_a_note(clinic_admin, clinic, loads, value):
    response = client_for(clinic_admin).get(caseloads_url(clinic), {"therapist": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That therapist is not an active therapist of this clinic" in page
    assert "5 open patients" in page


def test_a_therapist_of_another_clinic_is_not_shown(clinic_admin, clinic, other_clinic_therapist, other_clinic, loads):
    foreign = membership_of(other_clinic_therapist, other_clinic)
    page = client_for(clinic_admin).get(caseloads_url(clinic), {"therapist": foreign.pk}).content.decode()
    assert "That therapist is not an active therapist" in page and "Anna Berg" not in page


def test_it_pages_patients_by_50(clinic_admin, clinic, cohort, therapist):
    EnrollmentFactory.create_batch(51, cohort=cohort, therapist=therapist)
    client = client_for(clinic_admin)
    first = client.get(caseloads_url(clinic)).content.decode()
    second = client.get(caseloads_url(clinic), {"page": 2}).content.decode()
    assert first.count('name="enrollments"') == 50 and second.count('name="enrollments"') == 1


def test_it_hides_other_clinics(other_clinic_admin, therapist, clinic):
    assert client_for(other_clinic_admin).get(caseloads_url(clinic)).status_code == 404
    assert client_for(therapist).get(caseloads_url(clinic)).status_code == 404


def test_an_empty_clinic_says_what_is_missing(clinic_admin, clinic):
    page = client_for(clinic_admin).get(caseloads_url(clinic)).content.decode()
    assert "This clinic has no active therapists." in page and "The clinic has no open patients." in page
    MembershipFactory(clinic=clinic)
    page = client_for(clinic_admin).get(caseloads_url(clinic)).content.decode()
    assert "No patients yet" in page and "On average, each therapist has 0.0." in page


@pytest.mark.parametrize("therapists,patients", [(1, 1), (30, 60)])
def test_caseloads_query_count_does_not_grow(clinic_admin, clinic, cohort, therapists, patients):
    users = [with_totp(MembershipFactory(clinic=clinic).user) for _ in range(therapists)]
    for number in range(patients):
        EnrollmentFactory(cohort=cohort, therapist=users[number % therapists])
    client = client_for(clinic_admin)
    client.get(reverse("clinic_list"))  # the first request of a session stamps its start
    # session, user, roles, authenticator, clinic, therapists with counts, without a therapist,
    # patient count + page, audit, the form's therapists
    with assert_queries(11):
        response = client.get(caseloads_url(clinic))
    assert response.status_code == 200
    assert response.content.decode().count('name="enrollments"') == min(patients, 50)


# --- Moving patients ------------------------------------------------------------------------------


def test_moving_patients_changes_their_therapist_audits_and_tells_everyone_once(
    clinic_admin, clinic, therapist, other_therapist, enrollment, cohort, django_capture_on_commit_callbacks
):
    paused = EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.PAUSED)
    invited = EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.INVITED)
    client = client_for(clinic_admin)
    target = membership_of(other_therapist, clinic)
    with django_capture_on_commit_callbacks(execute=True):
        response = reassign(
            client, clinic, [enrollment, paused, invited], target, therapist=membership_of(therapist, clinic).pk
        )
    assert response.status_code == 302
    assert response["Location"] == f"{caseloads_url(clinic)}?therapist={membership_of(therapist, clinic).pk}"
    for moved in (enrollment, paused, invited):
        moved.refresh_from_db()
        assert moved.therapist == other_therapist
    events = AuditEvent.objects.filter(action="clinics.enrollment.reassigned")
    assert sorted(events.values_list("enrollment_id", flat=True)) == sorted([enrollment.pk, paused.pk, invited.pk])
    recipients = sorted(message.to[0] for message in mail.outbox)
    # The invited patient has no account to sign in to yet: no e-mail for them.
    assert recipients == sorted([enrollment.patient.email, paused.patient.email, other_therapist.email])
    to_patient = next(m for m in mail.outbox if m.to == [enrollment.patient.email])
    assert to_patient.subject == "Your therapist in Steady has changed"
    assert "/me/" in to_patient.body
    for word in ("pain", "Sam Okafor", "Alex Morgan", "PHQ", "score", "Northside"):
        assert word.lower() not in (to_patient.subject + to_patient.body).lower()
    to_therapist = next(m for m in mail.outbox if m.to == [other_therapist.email])
    assert to_therapist.subject == "3 patients were moved to your caseload"
    assert "Northside Pain Service" in to_therapist.body and "/caseload/" in to_therapist.body
    page = client.get(response["Location"]).content.decode()
    assert "3 patients now have Alex Morgan as their therapist." in page


def test_moving_all_of_a_therapists_patients_takes_every_page(clinic_admin, clinic, cohort, therapist, other_therapist):
    EnrollmentFactory.create_batch(55, cohort=cohort, therapist=therapist)
    response = reassign(
        client_for(clinic_admin), clinic, [], membership_of(other_therapist, clinic),
        therapist=membership_of(therapist, clinic).pk, move_all="1",
    )  # fmt: skip
    assert response.status_code == 302
    assert not Enrollment.objects.filter(therapist=therapist).exists()
    assert Enrollment.objects.filter(therapist=other_therapist).count() == 55
    assert Notification.objects.filter(user=other_therapist, kind="clinics.caseload_received").count() == 1


def test_move_all_without_a_therapist_filter_moves_nothing(clinic_admin, clinic, enrollment, other_therapist):
    response = reassign(client_for(clinic_admin), clinic, [], membership_of(other_therapist, clinic), move_all="1")
    assert response.status_code == 200
    assert "Choose at least one patient to move." in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.therapist.name == "Sam Okafor"


def test_after_deactivation_is_blocked_the_link_leads_to_the_patients_to_move(
    clinic_admin, clinic, therapist, other_therapist, enrollment
):
    client = client_for(clinic_admin)
    membership = membership_of(therapist, clinic)
    client.post(reverse("staff_deactivate", args=[clinic.slug, membership.pk]))
    page = client.get(caseloads_url(clinic), {"therapist": membership.pk}).content.decode()
    assert "1 open patient of Sam Okafor" in page
    reassign(client, clinic, [], membership_of(other_therapist, clinic), therapist=membership.pk, move_all="1")
    assert client.post(reverse("staff_deactivate", args=[clinic.slug, membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False


def changes_nothing(enrollments):
    before = {e.pk: e.therapist_id for e in enrollments}
    return lambda: {e.pk: e.therapist_id for e in Enrollment.objects.filter(pk__in=before)} == before


@pytest.mark.parametrize(
    "case,message",
    [
        ("none_chosen", "Choose at least one patient to move."),
        ("no_target", "Choose the therapist to move the patients to."),
        ("same_therapist", "The patients you chose already have Sam Okafor as their therapist."),
        ("inactive_target", "Choose a therapist who works at this clinic now."),
        ("foreign_target", "Choose a therapist who works at this clinic now."),
        ("foreign_patient", "Some of the patients you chose are no longer open patients of this clinic."),
        ("closed_patient", "Some of the patients you chose are no longer open patients of this clinic."),
        ("not_a_code", "Choose patients from the list."),
    ],
)
def test_a_bad_move_shows_a_message_and_changes_nothing(
    case, message, clinic_admin, clinic, cohort, therapist, other_therapist, enrollment, other_clinic_enrollment,
    other_clinic_therapist, other_clinic,
):  # fmt: skip
    client = client_for(clinic_admin)
    target = membership_of(other_therapist, clinic)
    chosen = [enrollment]
    data = {}
    if case == "none_chosen":
        chosen = []
    elif case == "no_target":
        target = None
    elif case == "same_therapist":
        target = membership_of(therapist, clinic)
    elif case == "inactive_target":
        Membership.objects.filter(pk=target.pk).update(is_active=False)
    elif case == "foreign_target":
        target = membership_of(other_clinic_therapist, other_clinic)
    elif case == "foreign_patient":
        chosen = [enrollment, other_clinic_enrollment]
    elif case == "closed_patient":
        chosen = [enrollment, EnrollmentFactory(cohort=cohort, therapist=therapist, status="withdrawn")]
    elif case == "not_a_code":
        data = {"enrollments": [str(enrollment.code), "not-a-code"]}
    unchanged = changes_nothing([enrollment, other_clinic_enrollment])
    if data:
        response = client.post(reverse("caseload_reassign", args=[clinic.slug]), {**data, "to_therapist": target.pk})
    else:
        response = reassign(client, clinic, chosen, target)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert unchanged()
    assert not AuditEvent.objects.filter(action="clinics.enrollment.reassigned").exists()
    assert not Notification.objects.filter(kind__in=["clinics.therapist_changed", "clinics.caseload_received"]).exists()


def test_after_an_error_the_ticked_patients_stay_ticked(clinic_admin, clinic, enrollment, therapist):
    page = reassign(client_for(clinic_admin), clinic, [enrollment], None).content.decode()
    assert f'value="{enrollment.code}" checked' in page


def test_patients_who_already_have_the_new_therapist_are_left_as_they_are(
    clinic_admin, clinic, therapist, other_therapist, enrollment, same_clinic_enrollment
):
    moved = enrollments_reassign(
        clinic=clinic, enrollment_codes=[enrollment.code, same_clinic_enrollment.code], to_therapist=other_therapist,
        by=clinic_admin,
    )  # fmt: skip
    assert moved == 1
    assert AuditEvent.objects.filter(action="clinics.enrollment.reassigned").get().enrollment == enrollment


def test_the_service_refuses_a_patient_of_another_clinic_and_changes_nothing(
    clinic_admin, clinic, other_therapist, enrollment, other_clinic_enrollment
):
    unchanged = changes_nothing([enrollment, other_clinic_enrollment])
    with pytest.raises(ReassignError):
        enrollments_reassign(
            clinic=clinic, enrollment_codes=[enrollment.code, other_clinic_enrollment.code],
            to_therapist=other_therapist, by=clinic_admin,
        )  # fmt: skip
    assert unchanged()


def test_the_service_refuses_a_target_who_no_longer_works_here(clinic_admin, clinic, other_therapist, enrollment):
    Membership.objects.filter(user=other_therapist).update(is_active=False)
    with pytest.raises(ReassignError, match="works at this clinic now"):
        enrollments_reassign(
            clinic=clinic, enrollment_codes=[enrollment.code], to_therapist=other_therapist, by=clinic_admin
        )


def test_the_service_refuses_unknown_codes(clinic_admin, clinic, other_therapist, enrollment):
    with pytest.raises(ReassignError, match="no longer open patients"):
        enrollments_reassign(
            clinic=clinic, enrollment_codes=[enrollment.code, uuid.uuid4()], to_therapist=other_therapist,
            by=clinic_admin,
        )  # fmt: skip


def test_another_clinics_admin_cannot_move_patients(other_clinic_admin, clinic, enrollment, other_therapist):
    response = reassign(client_for(other_clinic_admin), clinic, [enrollment], membership_of(other_therapist, clinic))
    assert response.status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.therapist.name == "Sam Okafor"


def test_reassign_refuses_get(clinic_admin, clinic):
    assert client_for(clinic_admin).get(reverse("caseload_reassign", args=[clinic.slug])).status_code == 405


def test_moving_a_patient_cancels_their_check_in_with_the_previous_therapist_and_tells_both_once(
    clinic_admin, clinic, therapist, other_therapist, enrollment, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from guidance.models import CheckIn

    now = timezone.now()
    upcoming = CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, minutes=30), booked_by=enrollment.patient, room="r-upcoming",
    )  # fmt: skip
    held = CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=now - datetime.timedelta(days=7),
        ends_at=now - datetime.timedelta(days=7, minutes=-30), booked_by=enrollment.patient, room="r-held",
        status=CheckIn.Status.HELD,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = reassign(client_for(clinic_admin), clinic, [enrollment], membership_of(other_therapist, clinic))
    assert response.status_code == 302
    upcoming.refresh_from_db()
    held.refresh_from_db()
    assert (upcoming.status, upcoming.cancelled_by) == (CheckIn.Status.CANCELLED, clinic_admin)
    assert held.status == CheckIn.Status.HELD
    assert AuditEvent.objects.filter(action="guidance.checkin.cancelled", enrollment=enrollment).count() == 1
    cancellations = sorted(m.to[0] for m in mail.outbox if "cancelled" in m.subject.lower())
    assert cancellations == sorted([enrollment.patient.email, therapist.email])
    to_patient = next(m for m in mail.outbox if m.subject == "Your therapist in Steady has changed")
    assert "check-in booked with your previous therapist, it is cancelled" in to_patient.body


def test_a_failing_cancellation_rolls_the_whole_move_back(
    clinic_admin, clinic, therapist, other_therapist, enrollment, monkeypatch
):
    import datetime

    from django.utils import timezone

    from guidance import checkins
    from guidance.models import CheckIn

    now = timezone.now()
    CheckIn.objects.create(
        enrollment=enrollment, therapist=therapist, starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, minutes=30), booked_by=enrollment.patient, room="r-1",
    )  # fmt: skip

    def broken(**kwargs):
        raise RuntimeError("calendar down")

    monkeypatch.setattr(checkins, "checkin_cancel", broken)
    with pytest.raises(RuntimeError):
        enrollments_reassign(
            clinic=clinic, enrollment_codes=[enrollment.code], to_therapist=other_therapist, by=clinic_admin
        )
    enrollment.refresh_from_db()
    assert enrollment.therapist == therapist
    assert CheckIn.objects.get().status == CheckIn.Status.BOOKED
    assert not AuditEvent.objects.filter(action="clinics.enrollment.reassigned").exists()
