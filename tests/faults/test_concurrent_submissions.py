"""Questionnaire submissions at once on PostgreSQL, through the real view: 50 identical ones store one
result (one score, one alert, one e-mail), 200 distinct ones store 200. Every request gets its redirect;
no thread raises.

Each thread is its own browser (test client) with its own database connection. PostgreSQL allows 100
connections here, so the 200 distinct submissions start together and at most 40 are in flight at once.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from notifications.models import Notification
from outcomes import answering
from outcomes.alerts import RAISED_KIND
from outcomes.models import Alert, Assessment, Occasion
from tests.outcomes.test_answering import make_assessment, phq9
from tests.utils import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
IN_FLIGHT = 40


def submit_all(jobs, *, limit: int | None = None) -> tuple[list[int], list[str]]:
    """Run (client, assessment, answers) jobs in one thread each, released together; (statuses, errors)."""
    barrier = threading.Barrier(len(jobs))
    slots = threading.BoundedSemaphore(limit or len(jobs))
    statuses, errors = [], []

    def run(client, assessment, answers):
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    url = reverse("questionnaire_answer", args=[assessment.code])
                    statuses.append(client.post(url, {**answers, "send": "1"}).status_code)
                finally:
                    connection.close()
        except Exception as error:  # a thread's exception is otherwise lost
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


@pytest.fixture
def stored(monkeypatch):
    """created flags of every assessment_submit call the view makes (True: this call stored the answers)."""
    flags = []
    submit_once = answering.assessment_submit

    def counting_submit(**kwargs):
        result = submit_once(**kwargs)
        flags.append(result.created)
        return result

    monkeypatch.setattr(answering, "assessment_submit", counting_submit)
    return flags


def test_fifty_identical_submissions_store_one_result_one_alert_and_one_email(patient, enrollment, therapist, stored):
    assessment = make_assessment(enrollment, "phq9")
    jobs = [(client_for(patient), assessment, phq9(item9=2, others=1)) for _ in range(50)]

    statuses, errors = submit_all(jobs)

    assert errors == []
    assert statuses == [302] * 50  # the first to its result page, the rest told it was sent already
    assert stored.count(True) == 1 and len(stored) <= 50
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED
    assert assessment.total == 10  # 8 items at 1 plus item 9 at 2, scored once
    assert Alert.objects.filter(assessment=assessment).count() == 1
    assert Notification.objects.filter(kind=RAISED_KIND).count() == 1
    assert Assessment.objects.filter(enrollment=enrollment).count() == 1


def test_two_hundred_distinct_submissions_store_two_hundred(patient, enrollment, stored):
    assessments = [
        make_assessment(enrollment, "phq9", occasion=f"extra-{n:03d}", kind=Occasion.WEEKLY) for n in range(200)
    ]
    jobs = [(client_for(patient), assessment, phq9(others=n % 4)) for n, assessment in enumerate(assessments)]

    statuses, errors = submit_all(jobs, limit=IN_FLIGHT)

    assert errors == []
    assert statuses == [302] * 200
    assert stored == [True] * 200
    completed = Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.COMPLETED)
    assert completed.count() == 200
    totals = dict(completed.values_list("occasion", "total"))
    assert all(totals[f"extra-{n:03d}"] == 8 * (n % 4) for n in range(200))  # each its own answers
    assert not Alert.objects.filter(enrollment=enrollment).exists()
