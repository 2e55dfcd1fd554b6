"""Demo clinic administration: cohort defaults, a technical problem a patient reported (one being
looked at, with a reply), and a research project, so the admin's pages show real use.
Made with the services the pages use. Idempotent."""

from accounts.models import User
from clinics.models import Cohort, Enrollment, SupportRequest
from clinics.support import support_request_create, support_request_update
from reports.models import ResearchProject

REPORTS = {
    "margaret.hill@example.com": (
        SupportRequest.Category.SAVING,
        "I typed my answers on my tablet and when I came back the next day the box was empty.",
        "Thank you for telling us. Your answers from Tuesday are saved now. If it happens again, "
        "press Save before you close the page and tell us which page it was.",
    ),
    "olof.dahl@example.com": (SupportRequest.Category.EMAIL, "I do not get the e-mails about new modules.", ""),
}


def seed_admin(cohort: Cohort, admin: User) -> None:
    therapist = cohort.enrollments.filter(therapist__isnull=False).values_list("therapist", flat=True).first()
    if cohort.default_therapist_id is None and therapist is not None:
        Cohort.objects.filter(pk=cohort.pk).update(default_therapist_id=therapist, created_by=admin)
    ResearchProject.objects.get_or_create(
        clinic=cohort.clinic, name="Pain self-management study", defaults={"created_by": admin}
    )
    for enrollment in Enrollment.objects.filter(cohort=cohort, patient__email__in=REPORTS).select_related("patient"):
        if SupportRequest.objects.filter(reporter=enrollment.patient).exists():
            continue
        category, description, reply = REPORTS[enrollment.patient.email]
        report, _created = support_request_create(
            enrollment=enrollment, reporter=enrollment.patient, category=category, description=description,
            device="Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) Safari/604.1",
        )  # fmt: skip
        if reply:
            support_request_update(
                support_request=report, by=admin, status=SupportRequest.Status.IN_PROGRESS, reply=reply
            )
