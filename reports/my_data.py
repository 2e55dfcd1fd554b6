"""Everything Steady holds about one patient: "Download all my data" (UK GDPR Articles 15 and 20).

``collect(user)`` returns one dict that both the JSON file and the PDF are made from
(reports.my_data_files). Its keys are stable and documented in ``ABOUT["keys"]``; its dates and times
are Python objects, written as ISO 8601 (times in UTC) in the JSON file and in the patient's own time
zone in the PDF. It runs the same number of queries however many rows a patient has: each table is
read once for all their enrolments and the rows are grouped in Python.

Staff's private clinical notes are included: under UK GDPR the right of access covers what a clinic
records about a person, and an automatic download cannot apply the case-by-case exemptions (such as
the serious harm test for health data), which a clinic applies when it answers a request itself.
The access log lists every recorded action on the patient's enrolments: when, who (a role, and the
staff member's name), and what, in plain words (``clinics.audit_labels``, with a readable fallback).
"""

import datetime
from collections import defaultdict

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.utils import timezone

from accounts.models import User
from clinics.audit_labels import action_label, code_label
from clinics.models import AuditEvent, Consent, Enrollment, SupportRequest
from guidance.models import CheckIn, ClinicalNote, Feedback, Message, TimeEntry
from modules.exercise_forms import summary_rows
from modules.models import DiaryEntry, EngagementEvent, ExerciseResponse, PageVisit, PlanChange, PlannedModule
from notifications.models import Notification
from outcomes.instruments import REGISTRY, InstrumentUnavailable, get_instrument
from outcomes.models import Alert, Assessment

SCHEMA_VERSION = 1

ABOUT = {
    "format": "Steady: all the data held about you",
    "schema_version": SCHEMA_VERSION,
    "dates": "Dates are written YYYY-MM-DD; times are ISO 8601 in UTC (the +00:00 at the end).",
    "clinical_notes": (
        "Private notes that staff wrote about you are included, because the right of access covers "
        "what a clinic records about you. You do not see them anywhere else in Steady."
    ),
    "access_log": (
        "Every recorded action on your records: when it happened, who did it (their role, and the name "
        "of a staff member) and what they did. Steady records each time staff open your records."
    ),
    "keys": {
        "account": "Your name, e-mail address, time zone, language, reminder hour and sign-in settings.",
        "consents": "What you agreed to, which version, and when.",
        "enrolments": "Each programme you joined, with everything about it (the keys below).",
        "enrolments[].modules": "Your programme plan: each module, when it opened, and when you finished it.",
        "enrolments[].plan_changes": "Changes your therapist made to your plan.",
        "enrolments[].exercises": "What you wrote in each exercise, and when you sent it.",
        "enrolments[].diary": "Your pain diary.",
        "enrolments[].page_visits": "Which programme pages you read, and how often.",
        "enrolments[].activity": "What you did in the programme, step by step.",
        "enrolments[].questionnaires": "Your questionnaires: answers, totals, what the score means, dates.",
        "enrolments[].alerts": "Alerts your answers raised for your therapist, and when they were dealt with.",
        "enrolments[].messages": "Messages between you and your therapist (feedback included).",
        "enrolments[].feedback": "Which module and exercise each piece of feedback was about.",
        "enrolments[].check_ins": "Booked video or phone check-ins.",
        "enrolments[].therapist_time": "Minutes your therapist spent on your care.",
        "enrolments[].clinical_notes": "Private notes staff wrote about you.",
        "enrolments[].access_log": "Who did what with your records, and when.",
        "support_requests": "Technical problems you reported, and the replies.",
        "emails": "E-mails Steady sent you or was about to send you (what kind, and when).",
    },
}

# Every model with a path to a patient (a foreign key to a User or an Enrollment, or to a model that
# has one) is either in the download or left out for a stated reason; tests/reports/
# test_my_data_coverage.py fails when a new model is neither (right of access: nothing is forgotten).
INCLUDED_MODELS = {
    "accounts.user": "account",
    "account.emailaddress": "account.email",
    "mfa.authenticator": "account.two_step_sign_in",
    "usersessions.usersession": "account (sessions)",
    "clinics.consent": "consents",
    "clinics.enrollment": "enrolments",
    "clinics.auditevent": "enrolments[].access_log",
    "clinics.supportrequest": "support_requests",
    "modules.plan": "enrolments[].modules",
    "modules.plannedmodule": "enrolments[].modules",
    "modules.planchange": "enrolments[].plan_changes",
    "modules.exerciseresponse": "enrolments[].exercises",
    "modules.diaryentry": "enrolments[].diary",
    "modules.pagevisit": "enrolments[].page_visits",
    "modules.engagementevent": "enrolments[].activity",
    "outcomes.assessment": "enrolments[].questionnaires",
    "outcomes.alert": "enrolments[].alerts",
    "guidance.thread": "enrolments[].messages",
    "guidance.message": "enrolments[].messages",
    "guidance.feedback": "enrolments[].feedback",
    "guidance.checkin": "enrolments[].check_ins",
    "guidance.timeentry": "enrolments[].therapist_time",
    "guidance.clinicalnote": "enrolments[].clinical_notes",
    "notifications.notification": "emails",
}
EXCLUDED_MODELS = {
    "account.emailconfirmation": "a one-time e-mail check key; it holds nothing about the person",
    "admin.logentry": "the operator's own change log of the Django admin (not patient records)",
    "clinics.cohort": "a clinic's group: no personal data (its name is in each enrolment)",
    "clinics.invitation": "the invitation link's state; the address is the account's, already included",
    "clinics.membership": "staff roles: patients have none",
    "clinics.enrolmentimport": "a clinic's upload job; its rows are cleared when it is done",
    "clinics.instrumentlicence": "a clinic's licence record",
    "guidance.availabilityrule": "a therapist's working hours",
    "guidance.availabilityexception": "a therapist's working hours",
    "guidance.bookingsettings": "a therapist's booking settings",
    "guidance.feedbacktemplate": "a therapist's templates, not about any patient",
    "outcomes.export": "files the person made; they can download them again themselves",
    "reports.export": "files the person made; they can download them again themselves",
    "reports.researchproject": "a clinic's research project",
}

ROLE_LABELS = {
    "patient": "You",
    "therapist": "Therapist",
    "admin": "Clinic admin",
    "operator": "Steady operator",
    "system": "Steady (automatic)",
}

EMAIL_LABELS = {
    "clinics.invitation": "Invitation to Steady",
    "clinics.therapist_changed": "Your therapist has changed",
    "clinics.support_update": "News about a problem you reported",
    "modules.module_ready": "A new module is ready",
    "outcomes.questionnaire_open": "Questionnaires to answer",
    "outcomes.questionnaire_due": "Reminder: questionnaires due",
    "guidance.new_message": "New message from your therapist",
    "guidance.checkin_confirmed": "Check-in booked",
    "guidance.checkin_cancelled": "Check-in cancelled",
    "guidance.checkin_reminder": "Check-in reminder",
}


# --- Reading -----------------------------------------------------------------------------------------


def _by_enrollment(rows, key=lambda row: row.enrollment_id) -> dict[int, list]:
    grouped = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


def _read(ids: list[int]) -> dict[str, dict[int, list]]:
    """Every table, once, for all the patient's enrolments (the query count does not grow with rows)."""
    return {
        "modules": _by_enrollment(
            PlannedModule.objects.filter(plan__enrollment_id__in=ids).select_related("module", "plan"),
            key=lambda item: item.plan.enrollment_id,
        ),
        "plan_changes": _by_enrollment(
            PlanChange.objects.filter(plan__enrollment_id__in=ids).select_related("plan", "module", "by"),
            key=lambda change: change.plan.enrollment_id,
        ),
        "exercises": _by_enrollment(
            ExerciseResponse.objects.filter(enrollment_id__in=ids)
            .select_related("exercise__module")
            .order_by("exercise__module__position", "exercise__slug")
        ),
        "diary": _by_enrollment(DiaryEntry.objects.filter(enrollment_id__in=ids).order_by("date")),
        "page_visits": _by_enrollment(
            PageVisit.objects.filter(enrollment_id__in=ids).select_related("page__module").order_by("first_at")
        ),
        "activity": _by_enrollment(
            EngagementEvent.objects.filter(enrollment_id__in=ids).select_related("module").order_by("at", "pk")
        ),
        "questionnaires": _by_enrollment(
            Assessment.objects.filter(enrollment_id__in=ids).order_by("opens_at", "position")
        ),
        "alerts": _by_enrollment(
            Alert.objects.filter(enrollment_id__in=ids).select_related("acknowledged_by").order_by("created_at")
        ),
        "messages": _by_enrollment(
            Message.objects.filter(thread__enrollment_id__in=ids).select_related("thread", "author").order_by("id"),
            key=lambda message: message.thread.enrollment_id,
        ),
        "feedback": _by_enrollment(
            Feedback.objects.filter(enrollment_id__in=ids)
            .select_related("module", "response__exercise", "message", "author")
            .order_by("id")
        ),
        "check_ins": _by_enrollment(
            CheckIn.objects.filter(enrollment_id__in=ids).select_related("therapist").order_by("starts_at")
        ),
        "therapist_time": _by_enrollment(
            TimeEntry.objects.filter(enrollment_id__in=ids).select_related("therapist").order_by("at", "id")
        ),
        "clinical_notes": _by_enrollment(
            ClinicalNote.objects.filter(enrollment_id__in=ids).select_related("author").order_by("created_at", "id")
        ),
        "access_log": _by_enrollment(
            AuditEvent.objects.filter(enrollment_id__in=ids).select_related("actor").order_by("at", "id")
        ),
    }


def collect(user: User, *, now: datetime.datetime | None = None) -> dict:
    """All the data Steady holds about ``user`` as a patient (see the module's docstring)."""
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(patient=user)
        .select_related("clinic", "program", "cohort", "therapist")
        .order_by("created_at", "id")
    )
    rows = _read([enrollment.pk for enrollment in enrollments])
    return {
        "about": {**ABOUT, "generated_at": now},
        "account": _account(user),
        "consents": _consents(user),
        "enrolments": [_enrollment(enrollment, rows, user) for enrollment in enrollments],
        "support_requests": _support_requests(user),
        "emails": _emails(user),
    }


# --- Sections ----------------------------------------------------------------------------------------


def _account(user: User) -> dict:
    sessions = UserSession.objects.filter(user=user).order_by("-last_seen_at")
    return {
        "name": user.name,
        "email": user.email,
        "time_zone": user.time_zone,
        "language": user.language,
        "reminder_hour": user.reminder_hour,
        "joined_at": user.date_joined,
        "last_signed_in_at": user.last_login,
        "two_step_sign_in": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "signed_in_sessions": [
            {
                "started_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "ip_address": s.ip,
                "browser": s.user_agent,
            }
            for s in sessions
        ],
    }


def _consents(user: User) -> list[dict]:
    return [
        {"kind": c.kind, "label": c.get_kind_display(), "version": c.version, "given_at": c.given_at}
        for c in Consent.objects.filter(user=user).order_by("given_at", "id")
    ]


def _support_requests(user: User) -> list[dict]:
    requests = SupportRequest.objects.filter(reporter=user).select_related("clinic").order_by("created_at")
    return [
        {
            "reference": str(r.code),
            "clinic": r.clinic.name,
            "category": r.get_category_display(),
            "description": r.description,
            "browser": r.device,
            "status": r.get_status_display(),
            "reply": r.reply,
            "sent_at": r.created_at,
            "updated_at": r.updated_at,
            "resolved_at": r.resolved_at,
        }
        for r in requests
    ]


def _emails(user: User) -> list[dict]:
    notifications = Notification.objects.filter(user=user).order_by("created_at", "id")
    return [
        {
            "kind": n.kind,
            "label": EMAIL_LABELS.get(n.kind) or code_label(n.kind),
            "status": n.status,
            "due_at": n.due_at,
            "sent_at": n.sent_at,
        }
        for n in notifications.only("kind", "status", "due_at", "sent_at", "created_at")
    ]


def _enrollment(enrollment: Enrollment, rows: dict, user: User) -> dict:
    pk = enrollment.pk
    return {
        "reference": str(enrollment.code),
        "clinic": enrollment.clinic.name,
        "programme": enrollment.program.title,
        "cohort": enrollment.cohort.name,
        "therapist": enrollment.therapist.name if enrollment.therapist else None,
        "contact_mode": enrollment.contact_mode,
        "contact_mode_label": enrollment.get_contact_mode_display(),
        "status": enrollment.status,
        "status_label": enrollment.get_status_display(),
        "start_date": enrollment.start_date,
        "enrolled_at": enrollment.created_at,
        "activated_at": enrollment.activated_at,
        "withdrawn_at": enrollment.withdrawn_at,
        "modules": [_module(item) for item in sorted(rows["modules"][pk], key=lambda item: item.position)],
        "plan_changes": [_plan_change(change) for change in rows["plan_changes"][pk]],
        "exercises": [_exercise(response) for response in rows["exercises"][pk]],
        "diary": [_diary(entry) for entry in rows["diary"][pk]],
        "page_visits": [_page_visit(visit) for visit in rows["page_visits"][pk]],
        "activity": [_activity(event) for event in rows["activity"][pk]],
        "questionnaires": [_questionnaire(assessment) for assessment in rows["questionnaires"][pk]],
        "alerts": [_alert(alert) for alert in rows["alerts"][pk]],
        "messages": [_message(message, user) for message in rows["messages"][pk]],
        "feedback": [_feedback(feedback) for feedback in rows["feedback"][pk]],
        "check_ins": [_check_in(checkin) for checkin in rows["check_ins"][pk]],
        "therapist_time": [_time(entry) for entry in rows["therapist_time"][pk]],
        "clinical_notes": [_note(note) for note in rows["clinical_notes"][pk]],
        "access_log": [_access(event, user) for event in rows["access_log"][pk]],
    }


def _module(item: PlannedModule) -> dict:
    return {
        "position": item.position,
        "title": item.module.title,
        "state": item.state,
        "opens_on": item.unlock_on,
        "opened_at": item.unlocked_at,
        "started_at": item.started_at,
        "completed_at": item.completed_at,
        "skipped_at": item.skipped_at,
        "feedback_at": item.feedback_at,
    }


def _plan_change(change: PlanChange) -> dict:
    return {
        "what": change.get_kind_display(),
        "module": change.module.title if change.module else None,
        "weeks": change.weeks,
        "by": change.by.name,
        "at": change.at,
    }


def _exercise(response: ExerciseResponse) -> dict:
    exercise = response.exercise
    return {
        "module": exercise.module.title,
        "exercise": exercise.title,
        "answers": [{"question": q, "answer": a} for q, a in summary_rows(exercise, response.data or {})],
        "data": response.data,
        "saved_at": response.saved_at,
        "sent_at": response.submitted_at,
    }


def _diary(entry: DiaryEntry) -> dict:
    return {
        "date": entry.date,
        "pain": entry.pain,
        "activity_minutes": entry.activity_minutes,
        "mood": entry.mood,
        "sleep": entry.get_sleep_display() if entry.sleep else None,
        "note": entry.note,
        "written_at": entry.created_at,
        "changed_at": entry.updated_at,
    }


def _page_visit(visit: PageVisit) -> dict:
    return {
        "module": visit.page.module.title,
        "page": visit.page.title,
        "first_at": visit.first_at,
        "last_at": visit.last_at,
        "times": visit.count,
    }


def _activity(event: EngagementEvent) -> dict:
    return {
        "what": event.get_kind_display(),
        "module": event.module.title if event.module else None,
        "at": event.at,
    }


_QUESTIONS: dict[str, dict[str, tuple[str, dict[int, str]]]] = {}


def _questions(key: str) -> dict[str, tuple[str, dict[int, str]]]:
    """Item text and option labels per item key (empty for a licence-gated one without its wording)."""
    if key not in _QUESTIONS:
        try:
            instrument = get_instrument(key)
            instrument.ensure_available()
            _QUESTIONS[key] = {i.key: (i.text, {o.value: o.label for o in i.options}) for i in instrument.items}
        except (KeyError, InstrumentUnavailable):
            return {}
    return _QUESTIONS[key]


def _questionnaire(assessment: Assessment) -> dict:
    instrument = REGISTRY.get(assessment.instrument_key)
    questions = _questions(assessment.instrument_key)
    answers = []
    for item_key, value in (assessment.answers or {}).items():
        text, options = questions.get(item_key, (item_key, {}))
        answers.append({"item": item_key, "question": text, "value": value, "answer": options.get(value, value)})
    return {
        "questionnaire": instrument.title if instrument else assessment.instrument_key,
        "instrument": assessment.instrument_key,
        "version": assessment.instrument_version,
        "occasion": assessment.occasion,
        "status": assessment.status,
        "opens_at": assessment.opens_at,
        "due_at": assessment.due_at,
        "closes_at": assessment.closes_at,
        "answered_at": assessment.submitted_at,
        "answers": answers,
        "total": assessment.total,
        "band": assessment.band or None,
    }


def _alert(alert: Alert) -> dict:
    return {
        "kind": alert.get_kind_display(),
        "tier": alert.get_tier_display(),
        "raised_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by.name if alert.acknowledged_by else None,
        "note": alert.note,
        "escalated_at": alert.escalated_at,
    }


def _message(message: Message, user: User) -> dict:
    mine = message.author_id == user.pk
    return {
        "from": "You" if mine else message.author.name,
        "sent_at": message.created_at,
        "read_at": message.read_at,
        "text": message.body,
    }


def _feedback(feedback: Feedback) -> dict:
    return {
        "module": feedback.module.title,
        "exercise": feedback.response.exercise.title if feedback.response else None,
        "by": feedback.author.name,
        "given_at": feedback.created_at,
        "text": feedback.message.body,
    }


def _check_in(checkin: CheckIn) -> dict:
    return {
        "starts_at": checkin.starts_at,
        "ends_at": checkin.ends_at,
        "mode": checkin.get_mode_display(),
        "therapist": checkin.therapist.name,
        "status": checkin.get_status_display(),
        "booked_at": checkin.created_at,
        "cancelled_at": checkin.cancelled_at,
        "minutes": checkin.minutes,
    }


def _time(entry: TimeEntry) -> dict:
    return {
        "at": entry.at,
        "activity": entry.get_activity_display(),
        "minutes": entry.minutes,
        "therapist": entry.therapist.name,
        "note": entry.note,
    }


def _note(note: ClinicalNote) -> dict:
    return {"written_at": note.created_at, "by": note.author.name, "text": note.body}


def _access(event: AuditEvent, user: User) -> dict:
    if event.actor_id is None:
        role = "system"
    elif event.actor_id == user.pk:
        role = "patient"
    else:
        role = event.actor_role or "staff"
    staff = role not in ("system", "patient")
    return {
        "at": event.at,
        "role": role,
        "who": ROLE_LABELS.get(role, code_label(role)),
        "name": event.actor.name if staff and event.actor else None,
        "action": event.action,
        "what": action_label(event.action),
        "allowed": event.outcome == AuditEvent.Outcome.OK,
    }
