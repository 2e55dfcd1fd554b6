"""Each enrolment's plan: which modules, when they open, and how a therapist tailors it.

Schedule rule: the plan's modules that are not skipped, in order, open one a week from the
enrolment's start date: the i-th (from 0) on ``start_date + 7*i days + pause_days``, at the start of
that day in the patient's own time zone (zoneinfo handles the DST changes). A module behind a gate
(the baseline questionnaires; in programmes that wait for feedback, the therapist's feedback on the
module before) waits for it too. ``unlock_due`` is the periodic sweep that opens
due modules: it claims each row with a conditional UPDATE, so two sweeps at once open (and
notify) each module once.
"""

import datetime
import logging
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from clinics.models import Enrollment
from clinics.services import audit_log
from modules.models import EngagementEvent, Module, Plan, PlanChange, PlannedModule, Program
from notifications.services import notify

logger = logging.getLogger(__name__)

MODULE_READY_KIND = "modules.module_ready"
# Any place on Earth is at most 14 hours ahead of UTC: a row whose date has not begun there yet
# cannot be due anywhere.
LATEST_UTC_OFFSET = datetime.timedelta(hours=14)


class PlanError(Exception):
    """A change the plan cannot take; the message is safe to show to the therapist."""


def local_midnight(day: datetime.date, zone_name: str) -> datetime.datetime:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def unlock_time(item: PlannedModule, zone_name: str) -> datetime.datetime | None:
    return local_midnight(item.unlock_on, zone_name) if item.unlock_on else None


# --- Making and scheduling plans ------------------------------------------------------------------


def plan_ensure(enrollment: Enrollment) -> Plan:
    """The enrolment's plan, made from its program's core modules on first need (idempotent)."""
    try:
        return enrollment.plan
    except Plan.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            plan = Plan.objects.create(enrollment=enrollment)
            modules = Module.objects.filter(program_id=enrollment.program_id, optional=False).order_by("position")
            PlannedModule.objects.bulk_create(
                PlannedModule(plan=plan, module=module, position=index) for index, module in enumerate(modules, 1)
            )
            reschedule(plan)
    except IntegrityError:
        # Made at the same moment by another request or the reconcile sweep.
        plan = Plan.objects.get(enrollment=enrollment)
    enrollment.plan = plan
    return plan


def plan_reconcile() -> int:
    """Make the missing plans of open enrolments (the sweep behind plan_ensure)."""
    made = 0
    missing = Enrollment.objects.filter(status__in=Enrollment.OPEN_STATUSES, plan__isnull=True)
    for enrollment in missing.select_related("program")[:500]:
        plan_ensure(enrollment)
        made += 1
    return made


def reschedule(plan: Plan) -> None:
    """Give every module not yet open its date from the schedule rule (see module docstring), and
    its feedback gate when the programme waits for feedback (see ``feedback_gate``)."""
    start = plan.enrollment.start_date
    wait = _waits_for_feedback(plan.enrollment)
    items = list(plan.items.filter(skipped_at__isnull=True).order_by("position"))
    changed = []
    for index, item in enumerate(items):
        if item.unlocked_at is not None:
            continue
        day = start + datetime.timedelta(days=7 * index + plan.pause_days)
        gate = feedback_gate(item, items[index - 1] if index else None, wait=wait)
        if item.unlock_on != day or item.gate != gate:
            item.unlock_on, item.gate = day, gate
            changed.append(item)
    PlannedModule.objects.bulk_update(changed, ["unlock_on", "gate"])


def _waits_for_feedback(enrollment: Enrollment) -> bool:
    if Enrollment.program.is_cached(enrollment):
        return enrollment.program.wait_for_feedback
    return Program.objects.filter(pk=enrollment.program_id, wait_for_feedback=True).exists()


def feedback_gate(item: PlannedModule, previous: PlannedModule | None, *, wait: bool) -> str:
    """The gate a module not yet open should have. With "wait for feedback", each module after the
    first waits until the therapist has given feedback on the module before it. The baseline gate
    (module 1, set and lifted by outcomes) is never touched here."""
    if item.gate == PlannedModule.Gate.BASELINE:
        return item.gate
    if wait and previous is not None and previous.feedback_at is None:
        return PlannedModule.Gate.FEEDBACK
    return PlannedModule.Gate.NONE


def plan_end_date(plan: Plan) -> datetime.date:
    enrollment = plan.enrollment
    weeks = max(enrollment.program.weeks, plan.items.filter(skipped_at__isnull=True).count())
    return enrollment.start_date + datetime.timedelta(weeks=weeks + plan.extra_weeks, days=plan.pause_days)


# --- Opening due modules --------------------------------------------------------------------------


def unlock_item(item: PlannedModule, *, now: datetime.datetime) -> bool:
    """Open one module, once: the conditional UPDATE is the claim. Notifies the patient."""
    with transaction.atomic():
        claimed = PlannedModule.objects.filter(pk=item.pk, unlocked_at__isnull=True, skipped_at__isnull=True).update(
            unlocked_at=now
        )
        if not claimed:
            return False
        notify(
            user=item.plan.enrollment.patient,
            kind=MODULE_READY_KIND,
            dedupe_key=f"{MODULE_READY_KIND}:{item.pk}",
            context={"planned_module_id": item.pk},
        )
    item.unlocked_at = now
    return True


def due_items(now: datetime.datetime) -> QuerySet[PlannedModule]:
    return (
        PlannedModule.objects.filter(
            unlocked_at__isnull=True,
            skipped_at__isnull=True,
            gate="",
            unlock_on__lte=(now + LATEST_UTC_OFFSET).date(),
            plan__paused_at__isnull=True,
            plan__enrollment__status=Enrollment.Status.ACTIVE,
        )
        .select_related("plan__enrollment__patient")
        .order_by("unlock_on", "pk")
    )


def unlock_due(*, now: datetime.datetime | None = None, limit: int = 2000) -> int:
    """Open every module whose day has begun in its patient's time zone. Safe to run twice at once."""
    now = now or timezone.now()
    opened = 0
    for item in due_items(now)[:limit]:
        if unlock_time(item, item.plan.enrollment.patient.time_zone) <= now and unlock_item(item, now=now):
            opened += 1
    if opened:
        logger.info("Opened %s planned modules", opened)
    return opened


def plan_release_gate(*, enrollment: Enrollment, gate: str) -> int:
    """Lift a gate (e.g. the baseline questionnaires are done); due modules then open at once."""
    plan = plan_ensure(enrollment)
    released = plan.items.filter(gate=gate).update(gate="")
    if released:
        now = timezone.now()
        for item in due_items(now).filter(plan=plan):
            if unlock_time(item, enrollment.patient.time_zone) <= now:
                unlock_item(item, now=now)
    return released


def plan_feedback_given(*, enrollment: Enrollment, module: Module, now: datetime.datetime | None = None) -> bool:
    """The therapist has given feedback on ``module`` (called by guidance, in its transaction).

    Records the first time only; then the gates are worked out again and a module whose day has
    come opens at once (like ``plan_release_gate``). False if the module is not in the plan or had
    feedback before.
    """
    now = now or timezone.now()
    plan = plan_ensure(enrollment)
    with transaction.atomic():
        first = PlannedModule.objects.filter(plan=plan, module=module, feedback_at__isnull=True).update(feedback_at=now)
        if not first:
            return False
        reschedule(plan)
        for item in due_items(now).filter(plan=plan):
            if unlock_time(item, enrollment.patient.time_zone) <= now:
                unlock_item(item, now=now)
    return True


def program_regate(program: Program) -> int:
    """Work out the gates of every open plan of ``program`` again (after "wait for feedback" is
    switched on or off); modules no longer held whose day has come open at once."""
    now = timezone.now()
    count = 0
    plans = Plan.objects.filter(
        enrollment__program=program, enrollment__status__in=Enrollment.OPEN_STATUSES
    ).select_related("enrollment__patient")
    for plan in plans.iterator(chunk_size=200):
        with transaction.atomic():
            reschedule(plan)
            for item in due_items(now).filter(plan=plan):
                if unlock_time(item, plan.enrollment.patient.time_zone) <= now:
                    unlock_item(item, now=now)
        count += 1
    return count


# --- What the patient does ------------------------------------------------------------------------


def module_start(*, item: PlannedModule, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    if PlannedModule.objects.filter(pk=item.pk, started_at__isnull=True).update(started_at=now):
        item.started_at = now
        EngagementEvent.objects.create(
            enrollment_id=item.plan.enrollment_id, kind=EngagementEvent.Kind.MODULE_STARTED, module_id=item.module_id
        )


def module_complete(*, item: PlannedModule, now: datetime.datetime | None = None, request=None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        if not PlannedModule.objects.filter(pk=item.pk, completed_at__isnull=True).update(completed_at=now):
            return False
        EngagementEvent.objects.create(
            enrollment_id=item.plan.enrollment_id, kind=EngagementEvent.Kind.MODULE_COMPLETED, module_id=item.module_id
        )
        enrollment = item.plan.enrollment
        audit_log(
            actor=enrollment.patient, action="modules.module.completed", enrollment=enrollment, target=item,
            request=request,
        )  # fmt: skip
    item.completed_at = now
    return True


# --- What the therapist changes -------------------------------------------------------------------


def _record(plan: Plan, kind: str, *, by, module: Module | None = None, weeks: int | None = None, request=None):
    PlanChange.objects.create(plan=plan, kind=kind, module=module, weeks=weeks, by=by)
    audit_log(
        actor=by,
        action=f"modules.plan.{kind}",
        enrollment=plan.enrollment,
        target=module or plan,
        request=request,
    )


def _locked_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().select_related("enrollment").get(pk=plan.pk)


@transaction.atomic
def plan_add_module(*, plan: Plan, module: Module, by, request=None) -> PlannedModule:
    plan = _locked_plan(plan)
    if module.program_id != plan.enrollment.program_id:
        raise PlanError("That module is not part of this patient's programme.")
    if plan.items.filter(module=module).exists():
        raise PlanError(f"“{module.title}” is already in the plan.")
    last = plan.items.order_by("-position").values_list("position", flat=True).first() or 0
    item = PlannedModule.objects.create(plan=plan, module=module, position=last + 1)
    reschedule(plan)
    item.refresh_from_db()
    _record(plan, PlanChange.Kind.ADDED, by=by, module=module, request=request)
    return item


@transaction.atomic
def plan_skip(*, plan: Plan, item: PlannedModule, by, request=None) -> None:
    plan = _locked_plan(plan)
    if item.unlocked_at is not None or item.skipped_at is not None:
        raise PlanError("Only a module that has not opened yet can be skipped.")
    PlannedModule.objects.filter(pk=item.pk).update(skipped_at=timezone.now())
    reschedule(plan)
    _record(plan, PlanChange.Kind.SKIPPED, by=by, module=item.module, request=request)


@transaction.atomic
def plan_move(*, plan: Plan, item: PlannedModule, direction: int, by, request=None) -> None:
    """Swap an upcoming module with the upcoming one before (-1) or after (+1) it."""
    plan = _locked_plan(plan)
    upcoming = list(plan.items.filter(unlocked_at__isnull=True, skipped_at__isnull=True).order_by("position"))
    index = next((i for i, other in enumerate(upcoming) if other.pk == item.pk), None)
    if index is None:
        raise PlanError("Only modules that have not opened yet can be moved.")
    target = index + direction
    if not 0 <= target < len(upcoming):
        raise PlanError("That module cannot move further.")
    first, second = upcoming[index], upcoming[target]
    first.position, second.position = second.position, first.position
    PlannedModule.objects.bulk_update([first, second], ["position"])
    reschedule(plan)
    _record(plan, PlanChange.Kind.MOVED, by=by, module=item.module, request=request)


@transaction.atomic
def plan_unlock_next(*, plan: Plan, by, request=None) -> PlannedModule:
    plan = _locked_plan(plan)
    item = (
        plan.items.filter(unlocked_at__isnull=True, skipped_at__isnull=True)
        .select_related("plan__enrollment__patient", "module")
        .order_by("position")
        .first()
    )
    if item is None:
        raise PlanError("Every module in the plan is already open.")
    PlannedModule.objects.filter(pk=item.pk).update(gate="")
    unlock_item(item, now=timezone.now())
    _record(plan, PlanChange.Kind.UNLOCKED, by=by, module=item.module, request=request)
    return item


@transaction.atomic
def plan_pause(*, plan: Plan, by, request=None) -> None:
    plan = _locked_plan(plan)
    if plan.paused_at is not None:
        raise PlanError("The programme is already paused.")
    plan.paused_at = timezone.now()
    plan.save(update_fields=["paused_at"])
    Enrollment.objects.filter(pk=plan.enrollment_id, status=Enrollment.Status.ACTIVE).update(
        status=Enrollment.Status.PAUSED
    )
    _record(plan, PlanChange.Kind.PAUSED, by=by, request=request)


@transaction.atomic
def plan_resume(*, plan: Plan, by, request=None) -> None:
    """Restart a paused plan: modules not yet open move later by the whole days it was paused."""
    plan = _locked_plan(plan)
    if plan.paused_at is None:
        raise PlanError("The programme is not paused.")
    zone = plan.enrollment.patient.zone
    paused_on = timezone.localtime(plan.paused_at, zone).date()
    days = max(0, (timezone.localtime(timezone.now(), zone).date() - paused_on).days)
    Plan.objects.filter(pk=plan.pk).update(paused_at=None, pause_days=F("pause_days") + days)
    plan.refresh_from_db()
    Enrollment.objects.filter(pk=plan.enrollment_id, status=Enrollment.Status.PAUSED).update(
        status=Enrollment.Status.ACTIVE
    )
    reschedule(plan)
    _record(plan, PlanChange.Kind.RESUMED, by=by, request=request)


@transaction.atomic
def plan_extend(*, plan: Plan, weeks: int, by, request=None) -> None:
    if not 1 <= weeks <= 12:
        raise PlanError("Extend by 1 to 12 weeks.")
    plan = _locked_plan(plan)
    Plan.objects.filter(pk=plan.pk).update(extra_weeks=F("extra_weeks") + weeks)
    _record(plan, PlanChange.Kind.EXTENDED, by=by, weeks=weeks, request=request)
