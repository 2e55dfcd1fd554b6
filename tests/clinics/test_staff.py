"""Staff: the staff page, inviting therapists and admins, deactivating and reactivating them."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from clinics.models import AuditEvent, Enrollment, Invitation, Membership
from clinics.staff import StaffError, membership_deactivate, membership_reactivate, staff_invite
from tests.conftest import with_totp
from tests.factories import PASSWORD, EnrollmentFactory, MembershipFactory, UserFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "quiet harbour lantern seven"  # noqa: S105


def staff_url(clinic):
    return reverse("staff_list", args=[clinic.slug])


def membership_of(user, clinic, role=Membership.Role.THERAPIST):
    return Membership.objects.get(user=user, clinic=clinic, role=role)


def invite(client, clinic, **overrides):
    data = {"name": "Jo Bloggs", "email": "Jo.Bloggs@Example.org", "role": "therapist", **overrides}
    return client.post(reverse("staff_invite", args=[clinic.slug]), data)


def deactivate(client, membership):
    return client.post(reverse("staff_deactivate", args=[membership.clinic.slug, membership.pk]))


def reactivate(client, membership):
    return client.post(reverse("staff_reactivate", args=[membership.clinic.slug, membership.pk]))


# --- The staff page -------------------------------------------------------------------------------


def test_it_shows_active_and_deactivated_staff_with_roles_mfa_invitations_and_patients(
    clinic_admin, clinic, therapist, enrollment, django_capture_on_commit_callbacks
):
    gone = MembershipFactory(clinic=clinic, user__name="Gail Gone", is_active=False)
    no_app = MembershipFactory(clinic=clinic, user__name="Nina Noapp").user
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(clinic_admin), clinic, name="Ivy Invited", email="ivy@example.org", role="admin")
    response = client_for(clinic_admin).get(staff_url(clinic))
    assert response.status_code == 200
    page = response.content.decode()
    active, rest = page.split("Deactivated staff")
    assert therapist.name in active and clinic_admin.name in active and no_app.name in active
    assert "Gail Gone" in rest and "Gail Gone" not in active
    assert "Reactivate" in rest
    assert "Set up" in active and "Not set up yet" in active and "Invited, not signed in yet" in active
    assert "Invitations not yet accepted" in page and "ivy@example.org" in page
    caseload_link = f"{reverse('caseloads', args=[clinic.slug])}?therapist={membership_of(therapist, clinic).pk}"
    assert re.search(re.escape(caseload_link) + r'"><span[^>]*>[^<]*</span>1</a>', page)
    assert gone.user.email in rest


def test_a_person_with_two_roles_is_one_row_with_both(clinic_admin, clinic, therapist):
    Membership.objects.create(user=therapist, clinic=clinic, role=Membership.Role.ADMIN)
    page = client_for(clinic_admin).get(staff_url(clinic)).content.decode()
    assert page.count(therapist.email) == 1
    assert "Deactivate as therapist" in page and "Deactivate as clinic admin" in page


def test_it_hides_other_clinics(other_clinic_admin, clinic):
    assert client_for(other_clinic_admin).get(staff_url(clinic)).status_code == 404


@pytest.mark.parametrize("therapists,patients", [(1, 1), (30, 60)])
def test_staff_page_query_count_does_not_grow_with_staff(clinic_admin, clinic, cohort, therapists, patients):
    users = [with_totp(MembershipFactory(clinic=clinic).user) for _ in range(therapists)]
    for number in range(patients):
        EnrollmentFactory(cohort=cohort, therapist=users[number % therapists])
    MembershipFactory(clinic=clinic, is_active=False)
    Invitation.objects.create(
        user=UserFactory(is_active=False), email="x@example.org", clinic=clinic, role="therapist",
        expires_at="2099-01-01T00:00:00Z",
    )  # fmt: skip
    client = client_for(clinic_admin)
    client.get(reverse("clinic_list"))  # the first request of a session stamps its start
    # session, user, roles, authenticator, clinic, memberships with MFA and patients, invitations
    with assert_queries(7):
        response = client.get(staff_url(clinic))
    assert response.status_code == 200
    assert response.content.decode().count("?deactivate=") == therapists  # not on the admin's own row


# --- Inviting -------------------------------------------------------------------------------------


def test_inviting_a_new_address_makes_an_inactive_account_a_role_and_sends_one_invitation(
    clinic_admin, clinic, django_capture_on_commit_callbacks
):
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, clinic)
    assert response.status_code == 302 and response["Location"] == staff_url(clinic)
    user = User.objects.get(email="jo.bloggs@example.org")
    assert user.is_active is False and user.has_usable_password() is False and user.name == "Jo Bloggs"
    assert membership_of(user, clinic).is_active
    assert Invitation.objects.get(user=user).role == Invitation.Role.THERAPIST
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jo.bloggs@example.org"]
    assert mail.outbox[0].subject == "You have been invited to join Steady"
    actions = set(AuditEvent.objects.filter(clinic=clinic).values_list("action", flat=True))
    assert {"clinics.staff.invited", "clinics.invitation.created"} <= actions
    page = client.get(staff_url(clinic)).content.decode()
    assert "We sent an invitation to jo.bloggs@example.org" in page


def test_inviting_an_existing_staff_member_adds_the_role_without_a_new_password(
    clinic_admin, clinic, other_clinic_therapist, django_capture_on_commit_callbacks
):
    password_before = other_clinic_therapist.password
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, clinic, email=other_clinic_therapist.email.upper(), name="Other")
    assert response.status_code == 302
    assert membership_of(other_clinic_therapist, clinic).is_active
    other_clinic_therapist.refresh_from_db()
    assert other_clinic_therapist.password == password_before and other_clinic_therapist.name == "Anna Berg"
    assert not Invitation.objects.filter(user=other_clinic_therapist).exists()
    assert mail.outbox == []
    assert AuditEvent.objects.filter(action="clinics.staff.added", clinic=clinic).count() == 1
    page = client.get(staff_url(clinic)).content.decode()
    assert "Anna Berg already has a Steady staff account" in page


def test_inviting_someone_already_in_that_role_is_a_clear_error(clinic_admin, clinic, therapist):
    events = AuditEvent.objects.count()
    response = invite(client_for(clinic_admin), clinic, email=therapist.email)
    assert response.status_code == 200
    assert "Sam Okafor is already a therapist at this clinic." in response.content.decode()
    assert Membership.objects.filter(user=therapist).count() == 1
    assert AuditEvent.objects.count() == events


def test_an_address_of_a_patient_is_refused(clinic_admin, clinic, patient):
    response = invite(client_for(clinic_admin), clinic, email=patient.email, role="admin")
    assert response.status_code == 200
    page = response.content.decode()
    assert "This address belongs to a patient&#x27;s account." in page
    assert 'id="id_email_error"' in page  # next to the field
    assert not Membership.objects.filter(user=patient).exists()


def test_inviting_again_before_the_first_is_used_sends_a_fresh_link(
    clinic_admin, clinic, django_capture_on_commit_callbacks
):
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, clinic)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, clinic)
    assert response.status_code == 302
    user = User.objects.get(email="jo.bloggs@example.org")
    assert Membership.objects.filter(user=user).count() == 1
    first, second = Invitation.objects.filter(user=user).order_by("pk")
    assert first.revoked_at is not None and second.revoked_at is None
    assert len(mail.outbox) == 2
    assert "We sent jo.bloggs@example.org a new invitation" in client.get(staff_url(clinic)).content.decode()


def test_inviting_someone_deactivated_here_points_to_reactivate(clinic_admin, clinic):
    gone = MembershipFactory(clinic=clinic, is_active=False).user
    response = invite(client_for(clinic_admin), clinic, email=gone.email)
    assert response.status_code == 200
    assert "Use “Reactivate”" in response.content.decode()
    assert not membership_of(gone, clinic).is_active


def test_a_former_staff_member_closed_everywhere_comes_back_with_their_password(clinic_admin, clinic, other_clinic):
    former = MembershipFactory(clinic=other_clinic, is_active=False, user__is_active=False).user
    response = invite(client_for(clinic_admin), clinic, email=former.email, role="admin")
    assert response.status_code == 302
    former.refresh_from_db()
    assert former.is_active and former.check_password(PASSWORD)
    assert membership_of(former, clinic, Membership.Role.ADMIN).is_active


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"name": "   "}, "Enter the person&#x27;s full name."),
        ({"email": "not-an-address"}, "Enter an e-mail address in the right format"),
        ({"email": ""}, "Enter the person&#x27;s e-mail address."),
        ({"role": "operator"}, "Choose a role."),
    ],
)
def test_bad_input_shows_a_message_and_writes_nothing(clinic_admin, clinic, overrides, message):
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = invite(client_for(clinic_admin), clinic, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert User.objects.count() == users and AuditEvent.objects.count() == events


def test_a_second_role_for_someone_not_signed_in_yet_comes_with_the_newest_link(clinic_admin, clinic):
    first = staff_invite(clinic=clinic, name="Jo", email="jo@example.org", role="therapist", by=clinic_admin)
    second = staff_invite(clinic=clinic, name="Jo", email="JO@example.org", role="admin", by=clinic_admin)
    assert second.outcome == "resent" and second.membership.user == first.membership.user
    assert User.objects.filter(email="jo@example.org").count() == 1
    assert set(Membership.objects.filter(user=first.membership.user).values_list("role", flat=True)) == {
        "therapist",
        "admin",
    }
    assert Invitation.objects.filter(user=first.membership.user, revoked_at=None).get().role == "admin"


def test_an_address_invited_by_another_admin_a_moment_ago_is_not_made_twice(clinic_admin, clinic, monkeypatch):
    # The other admin's request committed between this request's lookup and its insert.
    UserFactory(email="jo@example.org")
    monkeypatch.setattr("clinics.staff.User.objects.filter", lambda **kwargs: User.objects.none())
    with pytest.raises(StaffError, match="Someone has just invited this address"):
        staff_invite(clinic=clinic, name="Jo", email="jo@example.org", role="therapist", by=clinic_admin)
    monkeypatch.undo()
    assert not Membership.objects.filter(user__email="jo@example.org").exists()


def test_a_role_added_by_another_admin_a_moment_ago_is_not_added_twice(clinic_admin, clinic, therapist, monkeypatch):
    monkeypatch.setattr("clinics.staff.Membership.objects.filter", lambda **kwargs: Membership.objects.none())
    with pytest.raises(StaffError, match="already a therapist"):
        staff_invite(clinic=clinic, name="Sam", email=therapist.email, role="therapist", by=clinic_admin)
    monkeypatch.undo()
    assert Membership.objects.filter(user=therapist).count() == 1


@pytest.mark.django_db(transaction=True)  # allauth's authenticator signal fires on commit
def test_an_invited_therapist_who_accepts_must_set_up_an_authenticator_before_any_staff_page(
    clinic_admin, clinic, enrollment
):
    invite(client_for(clinic_admin), clinic)
    link = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", mail.outbox[0].body).group(1)
    client = Client()
    client.get(link)
    client.post(
        reverse("invitation_password"), {"name": "Jo Bloggs", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    response = client.post(reverse("invitation_consent"), {"terms": "on", "privacy": "on"})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    for name, args in [("caseload", []), ("enrollment_detail", [enrollment.code]), ("alert_list", [])]:
        assert client.get(reverse(name, args=args))["Location"] == reverse("mfa_activate_totp"), name
    user = User.objects.get(email="jo.bloggs@example.org")
    assert user.is_active and user.check_password(GOOD_PASSWORD)


# --- Deactivating ---------------------------------------------------------------------------------


def test_the_staff_page_asks_before_deactivating(clinic_admin, clinic, other_therapist):
    membership = membership_of(other_therapist, clinic)
    page = client_for(clinic_admin).get(staff_url(clinic), {"deactivate": membership.pk}).content.decode()
    assert "Deactivate Alex Morgan as therapist?" in page
    assert f'action="{reverse("staff_deactivate", args=[clinic.slug, membership.pk])}"' in page
    assert "Yes, deactivate" in page


def test_an_unknown_confirmation_request_is_ignored(clinic_admin, clinic, other_clinic_admin, other_clinic):
    foreign = membership_of(other_clinic_admin, other_clinic, Membership.Role.ADMIN)
    for value in ("abc", str(foreign.pk), "999999"):
        response = client_for(clinic_admin).get(staff_url(clinic), {"deactivate": value})
        assert response.status_code == 200 and "Yes, deactivate" not in response.content.decode()
        assert other_clinic_admin.name not in response.content.decode()


def test_deactivating_ends_the_role_the_sessions_and_a_last_account(clinic_admin, clinic, other_therapist):
    their_browser = client_for(other_therapist)
    assert their_browser.get(reverse("caseload")).status_code == 200
    membership = membership_of(other_therapist, clinic)
    client = client_for(clinic_admin)
    response = deactivate(client, membership)
    assert response.status_code == 302 and response["Location"] == staff_url(clinic)
    membership.refresh_from_db()
    other_therapist.refresh_from_db()
    assert membership.is_active is False and other_therapist.is_active is False
    signed_out = their_browser.get(reverse("caseload"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(action="clinics.staff.deactivated", object_id=str(membership.pk)).count() == 1
    page = client.get(staff_url(clinic)).content.decode()
    assert "Alex Morgan is no longer a therapist here. They have been signed out." in page


def test_someone_with_another_role_keeps_their_account_but_is_signed_out(
    clinic_admin, clinic, other_clinic, other_therapist
):
    Membership.objects.create(user=other_therapist, clinic=other_clinic, role=Membership.Role.THERAPIST)
    their_browser = client_for(other_therapist)
    assert their_browser.get(reverse("caseload")).status_code == 200
    deactivate(client_for(clinic_admin), membership_of(other_therapist, clinic))
    other_therapist.refresh_from_db()
    assert other_therapist.is_active
    assert their_browser.get(reverse("caseload"))["Location"].startswith(reverse("account_login"))
    assert client_for(other_therapist).get(reverse("caseload")).status_code == 200


def test_an_operator_keeps_their_account(clinic_admin, clinic, operator):
    membership = Membership.objects.create(user=operator, clinic=clinic, role=Membership.Role.THERAPIST)
    deactivate(client_for(clinic_admin), membership)
    operator.refresh_from_db()
    assert operator.is_active


def test_deactivating_revokes_an_unused_invitation(clinic_admin, clinic):
    result = staff_invite(clinic=clinic, name="Jo", email="jo@example.org", role="therapist", by=clinic_admin)
    deactivate(client_for(clinic_admin), result.membership)
    assert Invitation.objects.get(user=result.membership.user).revoked_at is not None


def test_a_therapist_with_open_patients_must_hand_them_over_first(clinic_admin, clinic, cohort, therapist, enrollment):
    EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.INVITED)
    EnrollmentFactory(cohort=cohort, therapist=therapist, status=Enrollment.Status.COMPLETED)  # not counted
    membership = membership_of(therapist, clinic)
    response = deactivate(client_for(clinic_admin), membership)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sam Okafor cannot be deactivated yet" in page
    assert "Sam Okafor still has 2 patients. Move them to other therapists first." in page
    assert f'href="{reverse("caseloads", args=[clinic.slug])}?therapist={membership.pk}"' in page
    membership.refresh_from_db()
    assert membership.is_active
    assert not AuditEvent.objects.filter(action="clinics.staff.deactivated").exists()
    # The confirmation step says the same before anyone presses the button.
    confirm = client_for(clinic_admin).get(staff_url(clinic), {"deactivate": membership.pk}).content.decode()
    assert "still has 2 patients" in confirm and "Yes, deactivate" not in confirm


def test_an_admin_cannot_deactivate_themselves(clinic_admin, clinic):
    membership = membership_of(clinic_admin, clinic, Membership.Role.ADMIN)
    page = deactivate(client_for(clinic_admin), membership).content.decode()
    assert "You cannot deactivate yourself." in page
    membership.refresh_from_db()
    assert membership.is_active


def test_the_last_working_admin_cannot_be_deactivated(clinic_admin, clinic, operator):
    MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN, user__is_active=False)  # invited, not signed in
    membership = membership_of(clinic_admin, clinic, Membership.Role.ADMIN)
    with pytest.raises(StaffError, match="the clinic's only admin"):
        membership_deactivate(membership=membership, by=operator)
    membership.refresh_from_db()
    assert membership.is_active


def test_two_admins_cannot_deactivate_each_other(clinic_admin, clinic):
    second = with_totp(MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN).user)
    membership_deactivate(membership=membership_of(second, clinic, "admin"), by=clinic_admin)
    # The second admin's request was already past the door when the first one's landed.
    with pytest.raises(StaffError, match="only admin"):
        membership_deactivate(membership=membership_of(clinic_admin, clinic, "admin"), by=second)


def test_deactivating_twice_says_so(clinic_admin, clinic, other_therapist):
    membership = membership_of(other_therapist, clinic)
    client = client_for(clinic_admin)
    deactivate(client, membership)
    page = deactivate(client, membership).content.decode()
    assert "Alex Morgan is already deactivated as a therapist." in page


# --- Reactivating ---------------------------------------------------------------------------------


def test_reactivating_gives_the_role_and_the_account_back(clinic_admin, clinic, other_therapist):
    membership = membership_of(other_therapist, clinic)
    client = client_for(clinic_admin)
    deactivate(client, membership)
    response = reactivate(client, membership)
    assert response.status_code == 302
    membership.refresh_from_db()
    other_therapist.refresh_from_db()
    assert membership.is_active and other_therapist.is_active
    assert AuditEvent.objects.filter(action="clinics.staff.reactivated").count() == 1
    assert "Alex Morgan is a therapist here again." in client.get(staff_url(clinic)).content.decode()


def test_reactivating_someone_who_never_signed_in_sends_a_new_invitation(
    clinic_admin, clinic, django_capture_on_commit_callbacks
):
    result = staff_invite(clinic=clinic, name="Jo", email="jo@example.org", role="therapist", by=clinic_admin)
    membership_deactivate(membership=result.membership, by=clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        reactivate(client_for(clinic_admin), result.membership)
    invitations = Invitation.objects.filter(user=result.membership.user)
    assert invitations.count() == 2 and invitations.filter(revoked_at=None).count() == 1
    assert [message.to for message in mail.outbox] == [["jo@example.org"]]


def test_reactivating_an_active_role_is_a_message_not_a_change(clinic_admin, clinic, therapist):
    membership = membership_of(therapist, clinic)
    client = client_for(clinic_admin)
    reactivate(client, membership)
    assert "Sam Okafor is already an active therapist." in client.get(staff_url(clinic)).content.decode()
    with pytest.raises(StaffError):
        membership_reactivate(membership=membership, by=clinic_admin)


# --- Scope and methods ----------------------------------------------------------------------------


def test_other_clinics_staff_cannot_be_touched(clinic_admin, clinic, other_clinic, other_clinic_admin, other_therapist):
    mine = membership_of(other_therapist, clinic)
    foreign = client_for(other_clinic_admin)
    assert deactivate(foreign, mine).status_code == 404
    assert reactivate(foreign, mine).status_code == 404
    assert invite(foreign, clinic).status_code == 404
    # Their own clinic's address with a membership of another clinic: not found either.
    url = reverse("staff_deactivate", args=[other_clinic.slug, mine.pk])
    assert foreign.post(url).status_code == 404
    mine.refresh_from_db()
    assert mine.is_active and not User.objects.filter(email="jo.bloggs@example.org").exists()


@pytest.mark.parametrize("name", ["staff_invite", "staff_deactivate", "staff_reactivate"])
def test_post_only_views_refuse_get(name, clinic_admin, clinic, therapist):
    args = [clinic.slug] if name == "staff_invite" else [clinic.slug, membership_of(therapist, clinic).pk]
    assert client_for(clinic_admin).get(reverse(name, args=args)).status_code == 405
    assert membership_of(therapist, clinic).is_active


# --- Two clinics invite the same new person ----------------------------------------------------------


def test_a_second_clinics_link_cannot_set_the_password_again_and_joins_only_after_signing_in(
    clinic_admin, clinic, other_clinic_admin, other_clinic, django_capture_on_commit_callbacks
):
    """Both clinics invite Jo before Jo has set up an account. Jo accepts the first link. The second
    link (in a mailbox someone else may read) no longer offers a password form: it asks for Jo's own
    sign-in, and after it only adds the second clinic."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(clinic_admin), clinic)
        invite(client_for(other_clinic_admin), other_clinic)
    links = [re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", m.body).group(1) for m in mail.outbox]
    assert len(links) == 2
    first = Client()
    first.get(links[0])
    first.post(
        reverse("invitation_password"), {"name": "Jo Bloggs", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert first.post(reverse("invitation_consent"), {"terms": "on", "privacy": "on"})["Location"] == reverse("home")
    jo = User.objects.get(email="jo.bloggs@example.org")
    password_after_first = jo.password

    stranger = Client()
    response = stranger.get(links[1])
    login_url = reverse("account_login")
    assert response.status_code == 302 and response["Location"].startswith(login_url)
    assert "next=%2Finvite%2Fconsent%2F" in response["Location"]
    assert stranger.get(reverse("invitation_password"))["Location"] == reverse("invitation_consent")
    refused = stranger.post(
        reverse("invitation_password"), {"name": "Someone Else", "password1": "x" * 20, "password2": "x" * 20}
    )
    assert refused["Location"] == reverse("invitation_consent")
    refused = stranger.post(reverse("invitation_consent"), {"terms": "on", "privacy": "on"})
    assert refused.status_code == 403
    assert "already set up" in refused.content.decode()
    jo.refresh_from_db()
    assert jo.password == password_after_first and jo.name == "Jo Bloggs"
    assert Invitation.objects.get(user=jo, clinic=other_clinic).accepted_at is None

    # Jo, signed in as themselves, opens the second link: one tick-box step, no password form.
    with_totp(jo)
    jo_client = client_for(jo)
    assert jo_client.get(links[1])["Location"] == reverse("invitation_consent")
    page = jo_client.get(reverse("invitation_consent")).content.decode()
    assert "Step 2 of 2" not in page and other_clinic.name in page
    response = jo_client.post(reverse("invitation_consent"), {"terms": "on", "privacy": "on"})
    assert response["Location"] == reverse("home")
    jo.refresh_from_db()
    assert jo.password == password_after_first
    assert Invitation.objects.get(user=jo, clinic=other_clinic).accepted_at is not None
    assert AuditEvent.objects.filter(action="clinics.invitation.accepted", actor=jo).count() == 2


def test_the_second_link_after_signing_in_on_the_login_page_goes_on_to_join(
    clinic_admin, clinic, other_clinic_admin, other_clinic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_for(clinic_admin), clinic)
        invite(client_for(other_clinic_admin), other_clinic)
    links = [re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", m.body).group(1) for m in mail.outbox]
    setup = Client()
    setup.get(links[0])
    setup.post(
        reverse("invitation_password"), {"name": "Jo Bloggs", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    setup.post(reverse("invitation_consent"), {"terms": "on", "privacy": "on"})

    client = Client()
    login_location = client.get(links[1])["Location"]
    response = client.post(login_location, {"login": "jo.bloggs@example.org", "password": GOOD_PASSWORD})
    # No authenticator yet: signed in, the invitation still waits in this browser's session.
    assert response.status_code == 302
    assert response["Location"] == reverse("invitation_consent")
    page = client.get(reverse("invitation_consent"))
    assert page.status_code == 200 and "Agree and start" in page.content.decode()
