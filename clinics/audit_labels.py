"""Plain words for audit actions: the patient's wording (their data copy, ``reports.my_data``) and the
clinic admin's (the audit viewer). Codes not listed get a readable label made from the code."""

# Plain words for each recorded action, as seen by the patient. Actions not listed here get a
# readable label made from their code (``action_label``).
ACTION_LABELS = {
    "access.denied": "Tried to open your records and was refused",
    "clinics.enrollment.created": "Enrolled you in the programme",
    "clinics.invitation.created": "Sent you an invitation",
    "clinics.invitation.accepted": "Accepted the invitation and set up the account",
    "guidance.patient.viewed": "Opened your record",
    "guidance.thread.viewed": "Read your messages",
    "guidance.message.sent": "Sent a message",
    "guidance.feedback.viewed": "Opened your exercises to give feedback",
    "guidance.feedback.given": "Gave feedback on your work",
    "guidance.note.added": "Wrote a private note",
    "guidance.contact_mode.changed": "Changed how you keep in touch",
    "guidance.time.viewed": "Looked at the time spent on your care",
    "guidance.time.added": "Recorded time spent on your care",
    "guidance.time.changed": "Changed a record of time spent on your care",
    "guidance.checkins.viewed": "Looked at your check-ins",
    "guidance.checkin.viewed": "Opened a check-in",
    "guidance.checkin.booked": "Booked a check-in",
    "guidance.checkin.rescheduled": "Moved a check-in",
    "guidance.checkin.cancelled": "Cancelled a check-in",
    "guidance.checkin.held": "Recorded that a check-in took place",
    "guidance.checkin.no_show": "Recorded that a check-in was missed",
    "modules.plan.viewed": "Looked at your programme plan",
    "modules.plan.added": "Added a module to your plan",
    "modules.plan.skipped": "Took a module out of your plan",
    "modules.plan.moved": "Changed the order of your plan",
    "modules.plan.unlocked": "Opened a module early",
    "modules.plan.paused": "Paused your programme",
    "modules.plan.resumed": "Restarted your programme",
    "modules.plan.extended": "Made your programme longer",
    "modules.exercise.submitted": "Sent an exercise",
    "modules.exercise.saved": "Saved an exercise",
    "modules.diary.saved": "Saved a diary entry",
    "modules.module.completed": "Finished a module",
    "outcomes.assessment.saved": "Saved answers to a questionnaire",
    "outcomes.assessment.submitted": "Sent a questionnaire",
    "accounts.profile.changed": "Changed your details",
    "outcomes.progress.viewed": "Looked at your questionnaire results",
    "outcomes.alert.acknowledged": "Dealt with an alert",
    "outcomes.alert.escalated": "Passed an urgent alert on to the clinic's admins",
    "reports.my_data.requested": "Asked for a copy of all your data",
    "reports.patient.withdraw_viewed": "Opened the page to withdraw you",
    "reports.patient.withdrawn": "Withdrew you from the programme",
    "reports.patient.erase_viewed": "Opened the page to erase your details",
    "reports.patient.erased": "Erased your personal details",
}


def code_label(code: str) -> str:
    """A readable fallback for a dotted code: "clinics.enrollment.reassigned" -> "Enrollment reassigned"."""
    words = " ".join(part.replace("_", " ") for part in code.split(".")[1:] if part) or code.replace("_", " ")
    return words[:1].upper() + words[1:]


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or code_label(action)


# The clinic admin's wording (audit viewer and its CSV). The patient's wording speaks to the patient
# ("Opened your record"), so the actions on patient data have their own staff wording here.
STAFF_ACTION_LABELS = {
    "access.denied": "Was refused access",
    "auth.login": "Signed in",
    "auth.login_failed": "Failed to sign in",
    "auth.logout": "Signed out",
    "auth.mfa.passed": "Passed the authenticator check",
    "auth.mfa.reauthenticated": "Confirmed with the authenticator again",
    "auth.mfa.failed": "Entered a wrong authenticator code",
    "auth.recovery_code.used": "Used a recovery code",
    "auth.recovery_codes.generated": "Made new recovery codes",
    "auth.authenticator.added": "Set up an authenticator app",
    "auth.authenticator.removed": "Removed an authenticator app",
    "auth.password.changed": "Changed their password",
    "auth.password_reset.requested": "Asked to reset their password",
    "auth.password_reset.done": "Reset their password",
    "clinics.audit.viewed": "Looked at the audit log",
    "clinics.audit.downloaded": "Downloaded the audit log",
    "clinics.patient_list.viewed": "Looked at the list of patients",
    "clinics.cohort.viewed": "Looked at a cohort",
    "clinics.caseloads.viewed": "Looked at the caseloads",
    "clinics.enrolment_import.viewed": "Looked at an enrolment import",
    "clinics.support_list.viewed": "Looked at the support reports",
    "clinics.support_request.viewed": "Opened a support report",
    "guidance.caseload.viewed": "Looked at their caseload",
    "clinics.enrollment.created": "Enrolled a patient",
    "clinics.enrollment.reassigned": "Moved a patient to another therapist",
    "clinics.invitation.created": "Sent an invitation",
    "clinics.invitation.accepted": "Accepted an invitation",
    "guidance.patient.viewed": "Opened the patient's record",
    "guidance.thread.viewed": "Read the patient's messages",
    "guidance.message.sent": "Sent a message",
    "guidance.feedback.viewed": "Opened exercises to give feedback",
    "guidance.feedback.given": "Gave feedback",
    "guidance.note.added": "Wrote a private note",
    "guidance.contact_mode.changed": "Changed how the patient keeps in touch",
    "guidance.time.viewed": "Looked at time spent on the patient's care",
    "guidance.time.added": "Recorded time spent on the patient's care",
    "guidance.time.changed": "Changed a record of time spent",
    "guidance.checkins.viewed": "Looked at the patient's check-ins",
    "guidance.checkin.viewed": "Opened a check-in",
    "modules.plan.viewed": "Looked at the patient's programme plan",
    "modules.exercise.saved": "Saved an exercise",
    "modules.exercise.submitted": "Sent an exercise",
    "modules.diary.saved": "Saved a diary entry",
    "modules.module.completed": "Finished a module",
    "outcomes.assessment.saved": "Saved answers to a questionnaire",
    "outcomes.assessment.submitted": "Sent a questionnaire",
    "accounts.profile.changed": "Changed their details",
    "clinics.support_request.created": "Reported a problem",
    "outcomes.progress.viewed": "Looked at questionnaire results",
    "outcomes.alerts.viewed": "Looked at alerts",
    "outcomes.alert.acknowledged": "Dealt with an alert",
    "reports.report.viewed": "Looked at the clinic report",
    "reports.report.downloaded": "Downloaded the clinic report",
    "reports.patient.withdrawn": "Withdrew the patient",
    "reports.patient.erased": "Erased the patient's details",
}


def staff_action_label(action: str) -> str:
    return STAFF_ACTION_LABELS.get(action) or code_label(action)
