"""Each request has an id: sent back in X-Request-ID and written into its audit rows."""

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_the_audit_row_carries_the_request_id_sent_back(clinic_admin, clinic):
    response = client_for(clinic_admin).get(reverse("clinic_detail", args=[clinic.slug]))
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert AuditEvent.objects.get(action="clinics.patient_list.viewed").request_id == request_id


def test_a_well_formed_id_from_the_proxy_is_kept_and_anything_else_replaced(clinic_admin, clinic):
    client = client_for(clinic_admin)
    url = reverse("clinic_detail", args=[clinic.slug])
    assert client.get(url, headers={"X-Request-ID": "proxy-1234abcd"})["X-Request-ID"] == "proxy-1234abcd"
    for hostile in ("<script>", "a" * 65, "short", "id with spaces\r\nSet-Cookie: x"):
        assert client.get(url, headers={"X-Request-ID": hostile})["X-Request-ID"] != hostile
