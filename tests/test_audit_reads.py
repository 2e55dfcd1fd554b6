"""Every staff page that shows one patient's data writes exactly one AuditEvent per view.

Walks the permission matrix: each URL whose ``code`` is the enrolment's, opened by the therapist
and by the clinic admin wherever they get a 200, must write one AuditEvent for that enrolment with
outcome "ok" and nothing else.
"""

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from tests.test_permissions import MATRIX, world  # noqa: F401  (world is a fixture)
from tests.utils import client_for

STAFF = ("therapist", "clinic_admin")

# Pages left out of the walk, with the reason.
EXCLUDED = {
    # The thread's poll writes a row only when it returns messages (an empty poll, as in this world,
    # shows nothing of the patient): test_a_staff_poll_is_audited_only_when_it_shows_messages.
    "staff_messages_new": "audited only when the poll returns messages",
}


def patient_pages(o):
    for name in sorted(MATRIX):
        kwargs_for, expected = MATRIX[name]
        if name in EXCLUDED:
            continue
        kwargs = kwargs_for(o)
        if kwargs.get("code") != o["enrollment"].code:
            continue
        for persona in STAFF:
            if expected[persona] == 200:
                yield name, kwargs, persona


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_staff_view_of_patient_data_writes_one_audit_event(world, htmx):  # noqa: F811
    enrollment = world["enrollment"]
    headers = {"HX-Request": "true"} if htmx else {}
    checked, wrong = [], []
    for name, kwargs, persona in patient_pages(world):
        client = client_for(world["people"][persona])
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(reverse(name, kwargs=kwargs), headers=headers)
        assert response.status_code == 200, (name, persona)
        new = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
        ok = [event for event in new if event.enrollment_id == enrollment.pk and event.outcome == "ok"]
        if len(new) != 1 or len(ok) != 1:
            wrong.append(f"{name} as {persona}: {[event.action for event in new]}")
        checked.append(name)
    assert len(set(checked)) >= 10  # the walk found the patient pages
    assert wrong == [], "Expected exactly one audit event each:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_a_staff_poll_is_audited_only_when_it_shows_messages(enrollment, therapist):
    from guidance.services import message_send, thread_ensure

    client = client_for(therapist)
    url = reverse("staff_messages_new", args=[enrollment.code])
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert AuditEvent.objects.count() == 0
    message_send(thread=thread_ensure(enrollment=enrollment), sender=enrollment.patient, body="A new message")
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(url, headers={"HX-Request": "true"})
    assert "A new message" in response.content.decode()
    [event] = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, event.enrollment, event.actor) == ("guidance.thread.viewed", enrollment, therapist)
