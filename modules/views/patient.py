"""The patient's own pages: home, programme overview and the module reader."""

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.access import access_current_enrollment
from clinics.roles import user_roles
from modules import plans, selectors
from modules.access import access_open_item
from modules.exercise_notes import exercise_notes
from modules.exercises import exercise_blocks
from modules.home_panels import home_panels
from modules.models import EngagementEvent, PageVisit


@require_GET
def home(request):
    if user_roles(request.user).is_staff:
        raise Http404("Staff have no patient home.")
    enrollment = access_current_enrollment(request.user)
    context = {"enrollment": enrollment}
    if enrollment is not None:
        plan = plans.plan_ensure(enrollment)
        context.update(selectors.patient_home(enrollment, plan, today=timezone.localdate()))
        context["panels"] = home_panels(request, enrollment)
    return render(request, "modules/home.html", context)


@require_GET
def overview(request):
    if user_roles(request.user).is_staff:
        raise Http404("Staff have no patient pages.")
    enrollment = access_current_enrollment(request.user)
    if enrollment is None:
        raise Http404("No enrolment.")
    plan = plans.plan_ensure(enrollment)
    return render(
        request,
        "modules/overview.html",
        {"enrollment": enrollment, "plan": plan, "rows": selectors.plan_rows(plan), "end": plans.plan_end_date(plan)},
    )


@require_GET
def module_detail(request, module):
    """Continue where the patient left off: the first page they have not read yet."""
    item = access_open_item(request.user, module)
    pages = list(item.module.pages.order_by("position").values_list("pk", flat=True))
    seen = set(
        PageVisit.objects.filter(enrollment_id=item.plan.enrollment_id, page_id__in=pages).values_list(
            "page_id", flat=True
        )
    )
    number = next((i for i, pk in enumerate(pages, 1) if pk not in seen), 1)
    return redirect("module_page", module=module, number=number)


def record_visit(item, page) -> None:
    enrollment_id = item.plan.enrollment_id
    with transaction.atomic():
        updated = PageVisit.objects.filter(enrollment_id=enrollment_id, page=page).update(
            count=F("count") + 1, last_at=timezone.now()
        )
        if not updated:
            PageVisit.objects.get_or_create(enrollment_id=enrollment_id, page=page)
        EngagementEvent.objects.create(
            enrollment_id=enrollment_id,
            kind=EngagementEvent.Kind.PAGE_VIEWED,
            module_id=item.module_id,
            object_id=page.slug,
        )
    if item.started_at is None:
        plans.module_start(item=item)


@require_GET
def module_page(request, module, number):
    item = access_open_item(request.user, module)
    pages = list(item.module.pages.order_by("position"))
    if not 1 <= number <= len(pages):
        raise Http404("No such page.")
    page = pages[number - 1]
    record_visit(item, page)
    enrollment = item.plan.enrollment
    notes = exercise_notes(enrollment, item.module)
    blocks = [
        (block, [n for n in notes if n.exercise_id == block.exercise.pk]) for block in exercise_blocks(enrollment, page)
    ]
    context = {
        "item": item,
        "module": item.module,
        "page": page,
        "number": number,
        "total": len(pages),
        "previous_url": reverse("module_page", args=[module, number - 1]) if number > 1 else None,
        "next_url": reverse("module_page", args=[module, number + 1]) if number < len(pages) else None,
        "exercise_blocks": blocks,
        # Notes on the module as a whole (not on one exercise) show on its last page.
        "module_notes": [n for n in notes if n.exercise_id is None] if number == len(pages) else [],
    }
    return render(request, "modules/module_page.html", context)


@require_POST
def module_finish(request, module):
    item = access_open_item(request.user, module)
    if plans.module_complete(item=item, request=request):
        messages.success(request, _("Well done. You have finished “%(title)s”.") % {"title": item.module.title})
    return redirect("patient_home")
