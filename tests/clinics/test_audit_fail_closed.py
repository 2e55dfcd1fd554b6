"""If the audit row cannot be written, the patient's data is not served.

Staff views write their AuditEvent (``clinics.services.audit_log``) before they build the page, and
nothing catches the error: the request ends in Django's plain 500 page, which holds no patient data.
"""

from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from clinics.models import AuditEvent
from tests.utils import client_for

pytestmark = pytest.mark.django_db

PAGES = ["enrollment_detail", "staff_messages", "patient_progress", "time_ledger", "plan_detail", "staff_checkins"]


@pytest.mark.parametrize("name", PAGES)
def test_a_staff_patient_page_is_not_served_when_the_audit_row_fails(name, enrollment, therapist):
    client = client_for(therapist)
    client.raise_request_exception = False
    url = reverse(name, args=[enrollment.code])
    assert enrollment.patient.name in client.get(url).content.decode()  # the page does show the patient
    with mock.patch.object(AuditEvent.objects, "create", side_effect=DatabaseError("audit table unavailable")):
        response = client.get(url)
    assert response.status_code == 500
    assert enrollment.patient.name not in response.content.decode()
    assert enrollment.patient.email not in response.content.decode()
