"""A patient's plan as staff see it, and the therapist's changes to it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.services import audit_log
from modules import plans, selectors
from modules.access import access_plan_as_staff
from modules.models import Module, PlannedModule

ACTIONS = {"add", "skip", "up", "down", "unlock_next", "pause", "resume", "extend"}


class PlanChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in sorted(ACTIONS)])
    item = forms.IntegerField(required=False)
    module = forms.IntegerField(required=False)
    weeks = forms.IntegerField(required=False, min_value=1, max_value=12)


@require_GET
def plan_detail(request, code):
    plan = access_plan_as_staff(request.user, code)
    enrollment = plan.enrollment
    audit_log(actor=request.user, action="modules.plan.viewed", enrollment=enrollment, target=plan, request=request)
    return render(
        request,
        "modules/plan_detail.html",
        {
            "enrollment": enrollment,
            "plan": plan,
            "rows": selectors.plan_rows(plan),
            "addable": selectors.addable_modules(plan),
            "changes": selectors.plan_changes(plan),
            "end": plans.plan_end_date(plan),
            "can_change": enrollment.therapist_id == request.user.pk,
        },
    )


@require_POST
def plan_change(request, code):
    plan = access_plan_as_staff(request.user, code)
    if plan.enrollment.therapist_id != request.user.pk:
        # In scope (an admin of the clinic may look) but only the patient's therapist tailors the plan.
        raise PermissionDenied("Only the patient's therapist can change the plan.")
    form = PlanChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That change could not be made. Please try again."))
        return redirect("plan_detail", code=code)
    data = form.cleaned_data
    try:
        message = apply_change(request, plan, data)
    except plans.PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return redirect("plan_detail", code=code)


def apply_change(request, plan, data) -> str:
    action, by = data["action"], request.user
    common = {"plan": plan, "by": by, "request": request}
    if action in {"skip", "up", "down"}:
        item = get_object_or_404(PlannedModule.objects.select_related("module"), pk=data["item"], plan=plan)
        if action == "skip":
            plans.plan_skip(item=item, **common)
            return _("“%(title)s” is taken out of the plan.") % {"title": item.module.title}
        plans.plan_move(item=item, direction=-1 if action == "up" else 1, **common)
        return _("The order is changed.")
    if action == "add":
        module = get_object_or_404(Module, pk=data["module"], program_id=plan.enrollment.program_id)
        plans.plan_add_module(module=module, **common)
        return _("“%(title)s” is added to the end of the plan.") % {"title": module.title}
    if action == "unlock_next":
        item = plans.plan_unlock_next(**common)
        return _("“%(title)s” is open now.") % {"title": item.module.title}
    if action == "pause":
        plans.plan_pause(**common)
        return _("The programme is paused. No modules open until you restart it.")
    if action == "resume":
        plans.plan_resume(**common)
        return _("The programme is running again. Later modules move by the time it was paused.")
    if not data.get("weeks"):
        raise plans.PlanError(_("Choose how many weeks to add, from 1 to 12."))
    plans.plan_extend(weeks=data["weeks"], **common)
    return _("The programme is %(weeks)s weeks longer.") % {"weeks": data["weeks"]}
