"""The PHQ-9 risk alert reaches the therapist's caseload while the broker (Redis) is down.

The broker is pointed at a closed loopback port with eager tasks off, so the hand-off to a worker
after commit really fails. The patient's answers, the alert and the outbox row are committed first;
the e-mail waits in the outbox and goes out once the periodic dispatcher runs again. The other
hand-offs made after commit (file exports, progress reports, CSV imports) answer normally too.
"""

import datetime
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinics import imports
from clinics.imports import enrolment_import_start
from clinics.models import Clinic, Enrollment, EnrolmentImport
from clinics.tasks import run_enrolment_import
from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import dispatch_due
from outcomes.alerts import RAISED_KIND
from outcomes.models import Alert, Assessment
from outcomes.models import Export as ReportExport
from reports.models import Export
from tests.clinics.test_csv_import import HEADER
from tests.outcomes.test_answering import CRISIS, make_assessment, phq9
from tests.utils import client_for

pytestmark = pytest.mark.django_db(transaction=True)
CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # discard port: nothing listens on loopback


@pytest.fixture
def crisis_clinic(enrollment):
    Clinic.objects.filter(pk=enrollment.clinic_id).update(crisis_text=CRISIS)


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", CLOSED_PORT_BROKER)
    monkeypatch.setitem(celery_app.conf, "task_publish_retry", False)
    monkeypatch.setitem(celery_app.conf, "broker_connection_timeout", 1)
    # Fresh connection pools built from the settings above; the originals come back afterwards.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


def test_the_hand_off_really_fails_while_the_broker_is_down(broker_down):
    from notifications.tasks import deliver

    with pytest.raises(Exception) as failure:  # noqa: PT011 - kombu's or redis-py's connection error
        deliver.delay(0)
    assert "refused" in str(failure.value).lower() or "connect" in str(failure.value).lower()


def test_a_risk_answer_is_stored_alerted_and_on_the_caseload_while_the_broker_is_down(
    patient,
    enrollment,
    therapist,
    crisis_clinic,
    broker_down,
    caplog,
):
    assessment = make_assessment(enrollment, "phq9")
    client = client_for(patient)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("questionnaire_answer", args=[assessment.code]), {**phq9(item9=2), "send": "1"}, follow=True
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert CRISIS in page
    assert "We have told your therapist about your answers." in page
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    alert = Alert.objects.get(assessment=assessment)
    assert alert.tier == Alert.Tier.URGENT
    # The failed hand-off was logged (by the on_commit callback's robust handling), not raised.
    assert any("on_commit" in record.getMessage() for record in caplog.records)

    caseload = client_for(therapist).get(reverse("caseload")).content.decode()
    assert "Urgent: 1 open alert" in caseload
    assert patient.name in caseload

    # The e-mail waits in the outbox; the periodic dispatcher (which needs no broker) sends it once.
    notification = Notification.objects.get(kind=RAISED_KIND, user=therapist)
    assert notification.status == Notification.Status.PENDING
    assert mail.outbox == []
    assert dispatch_due() == 1
    assert dispatch_due() == 0
    assert [message.to for message in mail.outbox] == [[therapist.email]]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_asking_for_my_data_while_the_broker_is_down_still_answers(patient, enrollment, broker_down):
    """The export row is committed before the hand-off; a lost hand-off must not turn into a 500."""
    response = client_for(patient).post(reverse("my_data_request"), {"kind": "json"})
    export = Export.objects.get(owner=patient, kind=Export.Kind.MY_DATA_JSON)
    assert response.status_code == 302
    assert response["Location"] == reverse("report_export_status", args=[export.code])
    assert export.status == Export.Status.PENDING


def test_asking_for_a_progress_report_while_the_broker_is_down_still_answers(patient, enrollment, broker_down):
    response = client_for(patient).post(reverse("progress_report_create"))
    export = ReportExport.objects.get(owner=patient, kind=ReportExport.Kind.PROGRESS_PDF)
    assert response.status_code == 302
    assert response["Location"] == reverse("export_status", args=[export.code])


def test_an_enrolment_import_started_while_the_broker_is_down_is_picked_up_later(
    cohort, clinic_admin, therapist, broker_down
):
    content = f"{HEADER}\nnew.patient@example.com,Pat,Later,{therapist.email},mixed,Europe/London,en\n".encode()
    started = enrolment_import_start(cohort=cohort, by=clinic_admin, filename="patients.csv", content=content)
    started.refresh_from_db()
    assert started.status == EnrolmentImport.Status.PENDING  # committed; the hand-off was lost, not raised
    # The periodic safety net finds it once it has waited too long, and running it enrols the patient.
    assert imports.stuck_import_ids(now=timezone.now() + datetime.timedelta(minutes=6)) == [started.pk]
    run_enrolment_import(started.pk)
    assert Enrollment.objects.filter(cohort=cohort, patient__email="new.patient@example.com").exists()
