"""Reads for programme pages, each in a fixed number of queries however long the plan."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinics.models import Enrollment
from modules.models import DiaryEntry, Module, Page, PageVisit, Plan, PlanChange, PlannedModule

RECENT_CHANGES_DAYS = 14


@dataclass(frozen=True)
class PlanRow:
    item: PlannedModule
    state: str  # locked | open | done | skipped
    day: datetime.date | None  # the day it opens (locked), opened (open) or was finished (done)
    # A locked module held for the therapist's feedback: the module the feedback is awaited on.
    waits_for: Module | None = None


def plan_rows(plan: Plan) -> list[PlanRow]:
    rows = []
    previous = None  # the module before, not counting skipped ones
    for item in plan.items.select_related("module").order_by("position"):
        state = item.state
        if state == "done":
            day = timezone.localdate(item.completed_at)
        elif state == "open":
            day = timezone.localdate(item.unlocked_at)
        else:
            day = item.unlock_on
        waits_for = previous if state == "locked" and item.gate == PlannedModule.Gate.FEEDBACK else None
        rows.append(PlanRow(item=item, state=state, day=day, waits_for=waits_for))
        if state != "skipped":
            previous = item.module
    return rows


def module_progress(enrollment: Enrollment, module: Module) -> tuple[int, int]:
    """(pages read, pages) of one module, in one query."""
    pages = Page.objects.filter(module=module).annotate(
        read=Exists(PageVisit.objects.filter(enrollment=enrollment, page=OuterRef("pk")))
    )
    flags = list(pages.values_list("read", flat=True))
    return sum(flags), len(flags)


def patient_home(enrollment: Enrollment, plan: Plan, *, today: datetime.date) -> dict:
    rows = plan_rows(plan)
    open_rows = [row for row in rows if row.state == "open"]
    current = open_rows[-1] if open_rows else None
    upcoming = next((row for row in rows if row.state == "locked"), None)
    progress = module_progress(enrollment, current.item.module) if current else (0, 0)
    since = timezone.now() - datetime.timedelta(days=RECENT_CHANGES_DAYS)
    changes = list(plan.changes.filter(at__gte=since).select_related("module", "by")[:3])
    return {
        "plan": plan,
        "rows": rows,
        "current": current,
        "earlier_open": open_rows[:-1],
        "upcoming": upcoming,
        "progress_read": progress[0],
        "progress_total": progress[1],
        "done_count": sum(1 for row in rows if row.state == "done"),
        "active_count": sum(1 for row in rows if row.state != "skipped"),
        "changes": changes,
        "diary_today": DiaryEntry.objects.filter(enrollment=enrollment, date=today).exists(),
    }


def plan_changes(plan: Plan) -> list[PlanChange]:
    return list(plan.changes.select_related("module", "by")[:50])


def addable_modules(plan: Plan) -> list[Module]:
    in_plan = PlannedModule.objects.filter(plan=plan, module=OuterRef("pk"))
    return list(
        Module.objects.filter(program_id=plan.enrollment.program_id)
        .exclude(Exists(in_plan))
        .order_by("optional", "position")
    )
