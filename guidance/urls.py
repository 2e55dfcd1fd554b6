from django.urls import path

from guidance.views import checkins, dashboard, feedback, messages, patient

urlpatterns = [
    # Messages.
    path("me/messages/", messages.patient_thread, name="patient_messages"),
    path("me/messages/new/", messages.patient_new_messages, name="patient_messages_new"),
    path("messages/", messages.message_inbox, name="message_inbox"),
    path("patients/<uuid:code>/messages/", messages.staff_thread, name="staff_messages"),
    path("patients/<uuid:code>/messages/new/", messages.staff_new_messages, name="staff_messages_new"),
    # The therapist's home and one patient.
    path("caseload/", dashboard.caseload, name="caseload"),
    path("patients/<uuid:code>/", patient.enrollment_detail, name="enrollment_detail"),
    path("patients/<uuid:code>/notes/", patient.clinical_note_add, name="clinical_note_add"),
    path("patients/<uuid:code>/contact/", patient.contact_mode_change, name="contact_mode_change"),
    path("patients/<uuid:code>/time/", patient.time_ledger, name="time_ledger"),
    path("patients/<uuid:code>/time/<uuid:entry>/", patient.time_entry_edit, name="time_entry_edit"),
    path("time/", patient.my_time, name="my_time"),
    # Weekly feedback.
    path("review/", feedback.review_queue, name="review_queue"),
    path("patients/<uuid:code>/feedback/<slug:module>/", feedback.feedback_write, name="feedback_write"),
    path("feedback/guide/", feedback.feedback_guide, name="feedback_guide"),
    path("feedback/templates/", feedback.template_list, name="feedback_templates"),
    path("feedback/templates/new/", feedback.template_new, name="feedback_template_new"),
    path("feedback/templates/<uuid:code>/", feedback.template_edit, name="feedback_template_edit"),
    path("feedback/templates/<uuid:code>/delete/", feedback.template_delete, name="feedback_template_delete"),
    # Check-ins: the patient's.
    path("me/check-ins/", checkins.patient_checkins, name="patient_checkins"),
    path("me/check-ins/book/", checkins.checkin_book, name="checkin_book"),
    path("me/check-ins/<uuid:code>/", checkins.patient_checkin, name="patient_checkin"),
    path(
        "me/check-ins/<uuid:code>/reschedule/", checkins.patient_checkin_reschedule, name="patient_checkin_reschedule"
    ),
    path("me/check-ins/<uuid:code>/cancel/", checkins.patient_checkin_cancel, name="patient_checkin_cancel"),
    path("me/check-ins/<uuid:code>/calendar.ics", checkins.patient_checkin_ics, name="patient_checkin_ics"),
    # Check-ins: the therapist's.
    path("availability/", checkins.availability, name="availability"),
    path("patients/<uuid:code>/check-ins/", checkins.staff_checkins, name="staff_checkins"),
    path("patients/<uuid:code>/check-ins/<uuid:checkin>/", checkins.staff_checkin, name="staff_checkin"),
    path(
        "patients/<uuid:code>/check-ins/<uuid:checkin>/calendar.ics",
        checkins.staff_checkin_ics,
        name="staff_checkin_ics",
    ),
]
