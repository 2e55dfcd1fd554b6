"""Hypothesis drives every form and htmx endpoint a signed-in user can type into (issue 7, Inputs).

Each endpoint's form is read off the page a user sees (tests/security/fuzz.py), then posted with
generated bodies: fields missing, valid choices, arbitrary unicode and control characters, numbers,
dates and unknown extra keys. For every example:

- the answer is never a server error (status < 500);
- an answer showing errors (or a 4xx) wrote nothing: the endpoint's rows are unchanged.

The database is shared by the examples of one test (pytest-django), so each property compares
rows before and after the request inside the same example. Exact round-trips of stored values
are in test_fuzz_roundtrip.py.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinics.models import Cohort, Enrollment, EnrolmentImport, Invitation, Membership, SupportRequest
from guidance.models import (
    AvailabilityException,
    AvailabilityRule,
    CheckIn,
    ClinicalNote,
    Feedback,
    FeedbackTemplate,
    Message,
    TimeEntry,
)
from modules.models import DiaryEntry, PlanChange
from outcomes.models import Alert, Assessment
from reports.models import Export as ReportExport
from reports.models import ResearchProject
from tests.security.fuzz import page_form, page_forms, posted, shows_errors
from tests.test_permissions import world  # noqa: F401  (the permission matrix's one-of-everything world)
from tests.utils import client_for

FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def counts(*models):
    return lambda o: tuple(model.objects.count() for model in models)


def submitted(o):
    return Assessment.objects.filter(status=Assessment.Status.COMPLETED).count()


def alert_state(o):
    return tuple(Alert.objects.order_by("pk").values_list("acknowledged_by", flat=True))


def enrollment_state(o):
    return tuple(
        Enrollment.objects.order_by("pk").values_list("therapist", "contact_mode", "withdrawn_at", "erased_at")
    )


def clinic_state(o):
    o["clinic"].refresh_from_db()
    c = o["clinic"]
    return (c.name, c.checkin_minutes, c.reminder_hour, c.cost_per_hour, c.currency)


def support_state(o):
    return tuple(SupportRequest.objects.order_by("pk").values_list("status", flat=True))


def code(key):
    return lambda o: {"code": o[key].code}


SLUG = lambda o: {"slug": o["clinic"].slug}  # noqa: E731
NONE = lambda o: {}  # noqa: E731

# name: (persona, page url name, page kwargs, action url name, action kwargs, state before/after)
ENDPOINTS = {
    "diary_entry": ("patient", "diary_entry", lambda o: {"day": o["today"]}, None, None, counts(DiaryEntry)),
    "questionnaire_answer": ("patient", "questionnaire_answer", code("assessment"), None, None, submitted),
    "patient_messages": ("patient", "patient_messages", NONE, None, None, counts(Message)),
    "staff_messages": ("therapist", "staff_messages", code("enrollment"), None, None, counts(Message)),
    "feedback_write": (
        "therapist", "feedback_write", lambda o: {"code": o["enrollment"].code, "module": "m1"}, None, None,
        counts(Feedback),
    ),
    "feedback_template_new": ("therapist", "feedback_template_new", NONE, None, None, counts(FeedbackTemplate)),
    "feedback_template_edit": (
        "therapist", "feedback_template_edit", code("template"), None, None,
        lambda o: tuple(FeedbackTemplate.objects.values_list("title", "body")),
    ),
    "clinical_note_add": (
        "therapist", "enrollment_detail", code("enrollment"), "clinical_note_add", code("enrollment"),
        counts(ClinicalNote),
    ),
    "contact_mode_change": (
        "therapist", "enrollment_detail", code("enrollment"), "contact_mode_change", code("enrollment"),
        enrollment_state,
    ),
    "time_ledger": ("therapist", "time_ledger", code("enrollment"), None, None, counts(TimeEntry)),
    "time_entry_edit": (
        "therapist", "time_entry_edit", lambda o: {"code": o["enrollment"].code, "entry": o["time_entry"].code},
        None, None, lambda o: tuple(TimeEntry.objects.values_list("activity", "minutes")),
    ),
    "alert_acknowledge": ("therapist", "alert_list", NONE, "alert_acknowledge", code("alert"), alert_state),
    "checkin_book": ("patient", "checkin_book", NONE, None, None, counts(CheckIn)),
    "patient_checkin_reschedule": (
        "patient", "patient_checkin_reschedule", code("checkin"), None, None,
        lambda o: tuple(CheckIn.objects.values_list("starts_at", "cancelled_at")),
    ),
    "availability": (
        "therapist", "availability", NONE, None, None, counts(AvailabilityRule, AvailabilityException),
    ),
    "plan_change": (
        "therapist", "plan_detail", code("enrollment"), "plan_change", code("enrollment"), counts(PlanChange),
    ),
    "clinic_settings": ("clinic_admin", "clinic_settings", SLUG, None, None, clinic_state),
    "cohort_create": ("clinic_admin", "cohort_create", SLUG, None, None, counts(Cohort)),
    "staff_invite": ("clinic_admin", "staff_list", SLUG, "staff_invite", SLUG, counts(Membership, Invitation)),
    "caseload_reassign": ("clinic_admin", "caseloads", SLUG, "caseload_reassign", SLUG, enrollment_state),
    "support_report": ("patient", "support_report", NONE, None, None, counts(SupportRequest)),
    "support_detail": (
        "clinic_admin", "support_detail", lambda o: {"slug": o["clinic"].slug, "code": o["support_request"].code},
        None, None, support_state,
    ),
    "report_pdf": ("clinic_admin", "clinic_report", SLUG, "report_pdf", SLUG, counts(ReportExport)),
    "research_project_create": (
        "clinic_admin", "research_export", SLUG, "research_project_create", SLUG, counts(ResearchProject),
    ),
    "research_export_create": (
        "clinic_admin", "research_export", SLUG, "research_export_create", SLUG, counts(ReportExport),
    ),
    "my_data_request": ("patient", "my_data", NONE, "my_data_request", NONE, counts(ReportExport)),
    "patient_withdraw": ("clinic_admin", "patient_withdraw", code("enrollment"), None, None, enrollment_state),
    "patient_erase": ("clinic_admin", "patient_erase", code("enrollment"), None, None, enrollment_state),
}  # fmt: skip


def bookable(o):
    """No upcoming check-in and a therapist free every day, so the booking form shows its slots."""
    CheckIn.objects.filter(pk=o["checkin"].pk).update(status=CheckIn.Status.CANCELLED)
    for weekday in range(7):
        AvailabilityRule.objects.get_or_create(
            therapist=o["people"]["therapist"], weekday=weekday,
            start_time=datetime.time(9), end_time=datetime.time(17),
        )  # fmt: skip


def withdrawn(o):
    """Only a closed enrolment can be erased."""
    Enrollment.objects.filter(pk=o["enrollment"].pk).update(
        status=Enrollment.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )


PREPARE = {"checkin_book": bookable, "patient_erase": withdrawn}
QUERY = {"report_pdf": lambda o: f"?cohort={o['cohort'].pk}"}


def once(o, key, read):
    """The form as first seen: examples share the database, and a form may go once used (an alert
    acknowledged), so it is read once per test to keep Hypothesis's data generation repeatable."""
    forms = o.setdefault("forms", {})
    if key not in forms:
        forms[key] = read()
    return forms[key]


@pytest.fixture
def fuzz_world(world):  # noqa: F811
    """The matrix world, plus an open risk alert for the therapist to acknowledge."""
    enrollment = world["enrollment"]
    world["alert"] = Alert.objects.create(
        enrollment=enrollment, assessment=world["assessment"], kind=Alert.Kind.RISK, tier=Alert.Tier.URGENT
    )
    world["today"] = timezone.localdate()
    return world


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@FIXTURES
@given(data=st.data(), htmx=st.booleans())
def test_form_never_500_and_errors_write_nothing(fuzz_world, name, data, htmx):
    o = fuzz_world
    persona, page, page_kwargs, action, action_kwargs, state = ENDPOINTS[name]
    client = client_for(o["people"][persona])
    PREPARE.get(name, lambda o: None)(o)
    page_url = reverse(page, kwargs=page_kwargs(o)) + QUERY.get(name, lambda o: "")(o)
    action_url = reverse(action, kwargs=action_kwargs(o)) if action else page_url
    fields = once(o, name, lambda: page_form(client, page_url, action_url))
    body = data.draw(posted(fields), label="body")
    before = state(o)
    response = client.post(action_url, body, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code < 500
    if 400 <= response.status_code < 500 or (response.status_code == 200 and shows_errors(response)):
        assert state(o) == before, f"{name}: an answer with errors changed stored rows"


GET_FILTERS = {  # name: (persona, kwargs, the page whose GET form feeds it)
    "clinic_report": ("clinic_admin", SLUG, "clinic_report"),
    "report_csv": ("clinic_admin", SLUG, "clinic_report"),
    "audit_list": ("clinic_admin", SLUG, "audit_list"),
    "audit_csv": ("clinic_admin", SLUG, "audit_list"),
    "support_list": ("clinic_admin", SLUG, "support_list"),
    "cohort_list": ("clinic_admin", SLUG, "cohort_list"),
    "staff_list": ("clinic_admin", SLUG, "staff_list"),
    "caseload": ("therapist", NONE, "caseload"),
    "alert_list": ("therapist", NONE, "alert_list"),
    "review_queue": ("therapist", NONE, "review_queue"),
    "message_inbox": ("therapist", NONE, "message_inbox"),
    "my_time": ("therapist", NONE, "my_time"),
}


def get_form(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    fields = {"page": {"type": "number", "values": ["1", "2"]}}
    for _action, method, form_fields in page_forms(response.content.decode()):
        if method == "get":
            fields.update(form_fields)
    return fields


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GET_FILTERS))
@FIXTURES
@given(data=st.data())
def test_get_filters_never_500(fuzz_world, name, data):
    """Filters and paging arrive in the query string: any value, or none, is not a server error."""
    o = fuzz_world
    persona, kwargs, page = GET_FILTERS[name]
    client = client_for(o["people"][persona])
    fields = once(o, name, lambda: get_form(client, reverse(page, kwargs=kwargs(o))))
    response = client.get(reverse(name, kwargs=kwargs(o)), data.draw(posted(fields), label="query"))
    assert response.status_code < 500


@pytest.mark.django_db
@FIXTURES
@given(content=st.binary(max_size=4000), name=st.text(max_size=40), cohort_field=st.booleans())
def test_csv_import_with_random_bytes_never_500(fuzz_world, content, name, cohort_field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    o = fuzz_world
    client = client_for(o["people"]["clinic_admin"])
    url = reverse("cohort_import", kwargs={"slug": o["clinic"].slug, "pk": o["cohort"].pk})
    page = reverse("cohort_detail", kwargs={"slug": o["clinic"].slug, "pk": o["cohort"].pk})
    fields = once(o, "cohort_import", lambda: page_form(client, page, url))
    file_fields = [n for n, f in fields.items() if f["type"] == "file"]
    assert file_fields, "the import form has a file field"
    upload = SimpleUploadedFile((name.replace("/", "") or "x") + ".csv", content, content_type="text/csv")
    before = (EnrolmentImport.objects.count(), Enrollment.objects.count())
    response = client.post(url, {file_fields[0]: upload})
    assert response.status_code < 500
    if response.status_code == 200 and shows_errors(response):
        assert (EnrolmentImport.objects.count(), Enrollment.objects.count()) == before
