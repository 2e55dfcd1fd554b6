"""Access to a patient's program data, built on clinics.access: out of scope is 404."""

from django.http import Http404

from clinics.access import access_current_enrollment, access_enrollment_as_staff
from clinics.models import Enrollment
from clinics.roles import user_roles
from modules.models import Plan, PlannedModule
from modules.plans import plan_ensure


def access_own_enrollment(user) -> Enrollment:
    """The signed-in patient's current enrolment. Staff have none here, even if they were patients."""
    if user_roles(user).is_staff:
        raise Http404("Staff have no patient pages.")
    enrollment = access_current_enrollment(user)
    if enrollment is None:
        raise Http404("No enrolment.")
    return enrollment


def access_own_plan(user) -> Plan:
    return plan_ensure(access_own_enrollment(user))


def access_open_item(user, module_slug: str) -> PlannedModule:
    """A module in the patient's own plan that has opened (and was not skipped)."""
    plan = access_own_plan(user)
    try:
        item = plan.items.select_related("module", "plan__enrollment").get(
            module__slug=module_slug, unlocked_at__isnull=False, skipped_at__isnull=True
        )
    except PlannedModule.DoesNotExist:
        raise Http404("No such open module.") from None
    return item


def access_plan_as_staff(user, code) -> Plan:
    return plan_ensure(access_enrollment_as_staff(user, code))
