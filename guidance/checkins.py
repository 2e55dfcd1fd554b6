"""Check-ins: the slot engine, booking and its changes, the expected-check-in plan, and the outbox
rows they write (confirmations, reminders 24 h and 1 h before; their content and the calendar
files are in guidance/checkin_mail.py).

Times are stored in UTC. A therapist's availability is wall-clock time in the therapist's own zone:
"Tuesdays 09:00 to 12:00" stays 09:00 local across the clocks changing. Patients see the same slots
in their own zone.

No double booking: the database refuses two booked check-ins of one therapist at the same start (a
unique index) and, on PostgreSQL, two that overlap (an exclusion constraint, migration 0003). The
services check first, for a clear message, and turn the database's refusal (a booking that raced
ours and won) into ``SlotTaken``.
"""

from __future__ import annotations

import datetime
import math
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Enrollment
from clinics.services import audit_log
from guidance.ledger import time_entry_record
from guidance.models import AvailabilityException, AvailabilityRule, BookingSettings, CheckIn, TimeEntry
from notifications.services import notify

UTC = datetime.UTC
BOOKABLE_MODES = CheckIn.BOOKABLE_CONTACT_MODES
CONFIRMED_KIND = "guidance.checkin_confirmed"
CANCELLED_KIND = "guidance.checkin_cancelled"
REMINDER_KIND = "guidance.checkin_reminder"
REMINDERS = {"24h": datetime.timedelta(hours=24), "1h": datetime.timedelta(hours=1)}
# A booking is never further ahead than this, whatever a therapist's horizon says.
MAX_HORIZON_DAYS = 366


class CheckInError(Exception):
    """The change cannot be made; the text is safe to show to the person who asked for it."""


class SlotTaken(CheckInError):
    """Someone else booked that time first (our check said free; the database said no)."""

    def __init__(self):
        super().__init__(_("That time has just been booked by someone else. Please choose another time."))


# --- The slot engine (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Wall-clock minutes of one local day, [start, end)."""

    start: int
    end: int


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime  # aware, UTC
    ends_at: datetime.datetime

    @property
    def key(self) -> str:
        """How a slot travels in a form: its start in UTC, to the second."""
        return self.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_slot_key(value: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def _subtract(windows: list[Window], start: int, end: int) -> list[Window]:
    out = []
    for w in windows:
        if end <= w.start or start >= w.end:
            out.append(w)
            continue
        if w.start < start:
            out.append(Window(w.start, start))
        if end < w.end:
            out.append(Window(end, w.end))
    return out


def day_windows(day: datetime.date, rules: Iterable, exceptions: Iterable) -> list[Window]:
    """The bookable wall-clock windows of one local date: its weekday's rules, then that date's
    exceptions (time off removes, extra hours add; a whole day off removes everything)."""
    windows = [Window(_minutes(r.start_time), _minutes(r.end_time)) for r in rules if r.weekday == day.weekday()]
    todays = [e for e in exceptions if e.date == day]
    for e in todays:
        if not e.available and e.start_time is None:
            return []
    for e in todays:
        if e.available and e.start_time is not None:
            windows.append(Window(_minutes(e.start_time), _minutes(e.end_time)))
    for e in todays:
        if not e.available and e.start_time is not None:
            windows = _subtract(windows, _minutes(e.start_time), _minutes(e.end_time))
    return sorted(windows, key=lambda w: (w.start, w.end))


def local_to_utc(day: datetime.date, minute: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """A wall-clock time on a local date as a UTC instant; None when the clocks skip it (spring).

    An ambiguous time (autumn: 01:30 happens twice in London) is taken at its first occurrence
    (fold=0, still summer time), so every run gives the same answer.
    """
    naive = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(minutes=minute)
    aware = naive.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def _overlaps(start, end, busy: Sequence[tuple[datetime.datetime, datetime.datetime]], buffer) -> bool:
    return any(start < b_end + buffer and b_start < end + buffer for b_start, b_end in busy)


def free_slots(
    *,
    rules: Iterable,
    exceptions: Iterable,
    booked: Sequence[tuple[datetime.datetime, datetime.datetime]],
    booking: BookingSettings,
    zone: zoneinfo.ZoneInfo,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    apply_notice: bool = True,
) -> list[Slot]:
    """Free slots starting in [start, end): from the weekly rules and one-off exceptions in ``zone``,
    no sooner than the minimum notice, no later than the horizon, clear of every booked check-in
    by the buffer on either side. Pure: everything it needs is passed in.

    Slots follow each other every ``slot_minutes`` from the start of a window and must end inside
    it (wall clock). Local times the clocks skip are left out.
    """
    rules, exceptions = list(rules), list(exceptions)
    length = datetime.timedelta(minutes=booking.slot_minutes)
    buffer = datetime.timedelta(minutes=booking.buffer_minutes)
    earliest = max(start, now + datetime.timedelta(hours=booking.notice_hours) if apply_notice else start)
    horizon = now + datetime.timedelta(days=min(booking.horizon_days, MAX_HORIZON_DAYS))
    latest = min(end, horizon)
    if booking.slot_minutes <= 0 or earliest >= latest:
        return []
    slots: list[Slot] = []
    day = earliest.astimezone(zone).date() - datetime.timedelta(days=1)
    last_day = latest.astimezone(zone).date() + datetime.timedelta(days=1)
    while day <= last_day:
        for window in day_windows(day, rules, exceptions):
            minute = window.start
            while minute + booking.slot_minutes <= window.end:
                slot = _slot_at(day, minute, zone, length)
                minute += booking.slot_minutes
                if slot is None or not (earliest <= slot.starts_at < latest):
                    continue
                if slots and slot.starts_at < slots[-1].ends_at:
                    continue  # two wall-clock times an hour apart that the autumn change makes overlap
                if not _overlaps(slot.starts_at, slot.ends_at, booked, buffer):
                    slots.append(slot)
        day += datetime.timedelta(days=1)
    return slots


def _slot_at(day, minute, zone, length) -> Slot | None:
    starts_at = local_to_utc(day, minute, zone)
    if starts_at is None:
        return None
    return Slot(starts_at, starts_at + length)


# --- Reading a therapist's availability ------------------------------------------------------------


def booking_settings(therapist: User) -> BookingSettings:
    """The therapist's settings; the defaults (unsaved) when they have never changed them."""
    found = BookingSettings.objects.filter(therapist=therapist).first()
    return found or BookingSettings(therapist=therapist)


def therapist_free_slots(
    therapist: User,
    *,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    ignore: CheckIn | None = None,
    booking: BookingSettings | None = None,
    apply_notice: bool = True,
) -> list[Slot]:
    """The therapist's free slots (four queries; three with ``booking``). ``ignore``: a check-in
    being moved, whose own time counts as free."""
    now = now or timezone.now()
    booking = booking or booking_settings(therapist)
    start = start or now
    end = end or now + datetime.timedelta(days=min(booking.horizon_days, MAX_HORIZON_DAYS))
    zone = therapist.zone
    rules = list(AvailabilityRule.objects.filter(therapist=therapist))
    local_from = start.astimezone(zone).date() - datetime.timedelta(days=1)
    local_to = end.astimezone(zone).date() + datetime.timedelta(days=1)
    exceptions = list(AvailabilityException.objects.filter(therapist=therapist, date__range=(local_from, local_to)))
    busy = CheckIn.objects.filter(
        therapist=therapist,
        status=CheckIn.Status.BOOKED,
        ends_at__gt=start - datetime.timedelta(days=1),
        starts_at__lt=end + datetime.timedelta(days=1),
    )
    if ignore is not None:
        busy = busy.exclude(pk=ignore.pk)
    booked = list(busy.values_list("starts_at", "ends_at"))
    return free_slots(
        rules=rules,
        exceptions=exceptions,
        booked=booked,
        booking=booking,
        zone=zone,
        start=start,
        end=end,
        now=now,
        apply_notice=apply_notice,
    )


def slots_by_day(slots: Iterable[Slot], zone: zoneinfo.ZoneInfo) -> list[tuple[datetime.date, list[Slot]]]:
    """Slots grouped by the viewer's local date, in order."""
    days: dict[datetime.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.starts_at.astimezone(zone).date(), []).append(slot)
    return list(days.items())


# --- Expected check-ins (the plan) ----------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedPeriod:
    number: int
    first_day: datetime.date
    last_day: datetime.date
    held: bool
    booked: bool
    is_current: bool
    is_past: bool

    @property
    def missed(self) -> bool:
        return self.is_past and not self.held


def cadence_weeks(enrollment: Enrollment) -> int | None:
    """How often a check-in is expected, in weeks: sync weekly, mixed every N weeks, async never."""
    if enrollment.contact_mode == Enrollment.ContactMode.SYNC:
        return 1
    if enrollment.contact_mode == Enrollment.ContactMode.MIXED:
        return max(1, enrollment.checkin_every_weeks)
    return None


def expected_periods(
    enrollment: Enrollment, checkins: Iterable[CheckIn], *, today: datetime.date, zone: zoneinfo.ZoneInfo
) -> list[ExpectedPeriod]:
    """The programme's weeks from the start date cut into periods of the cadence, each expecting one
    check-in; a period that has passed with no held check-in is missed. Dates in ``zone``."""
    every = cadence_weeks(enrollment)
    if every is None:
        return []
    weeks = enrollment.program.weeks or 1
    periods = []
    checkins = list(checkins)
    for number in range(math.ceil(weeks / every)):
        first = enrollment.start_date + datetime.timedelta(weeks=number * every)
        last = min(first + datetime.timedelta(weeks=every), enrollment.start_date + datetime.timedelta(weeks=weeks))
        last -= datetime.timedelta(days=1)
        inside = [c for c in checkins if first <= c.starts_at.astimezone(zone).date() <= last]
        periods.append(
            ExpectedPeriod(
                number=number + 1,
                first_day=first,
                last_day=last,
                held=any(c.status == CheckIn.Status.HELD for c in inside),
                booked=any(c.status == CheckIn.Status.BOOKED for c in inside),
                is_current=first <= today <= last,
                is_past=last < today,
            )
        )
    return periods


def checkin_due(periods: Iterable[ExpectedPeriod]) -> bool:
    """A check-in is due when the current period has none held or booked."""
    return any(p.is_current and not p.held and not p.booked for p in periods)


# --- Writes ----------------------------------------------------------------------------------------


def can_patient_book(enrollment: Enrollment) -> bool:
    return enrollment.contact_mode in BOOKABLE_MODES and enrollment.is_open and enrollment.therapist_id is not None


def video_available(enrollment: Enrollment) -> bool:
    return bool(enrollment.clinic.video_base_url)


def join_url(checkin: CheckIn) -> str:
    """The video link: the clinic's base URL plus the check-in's unguessable room. Logged-in pages only."""
    base = checkin.enrollment.clinic.video_base_url
    if checkin.mode != CheckIn.Mode.VIDEO or not base or not checkin.room:
        return ""
    return f"{base.rstrip('/')}/{checkin.room}"


def patient_may_change(checkin: CheckIn, *, now: datetime.datetime | None = None) -> bool:
    """Patients change or cancel a booked check-in up to the therapist's cutoff before it."""
    now = now or timezone.now()
    cutoff = datetime.timedelta(hours=booking_settings_cutoff(checkin))
    return checkin.status == CheckIn.Status.BOOKED and now < checkin.starts_at - cutoff


def booking_settings_cutoff(checkin: CheckIn) -> int:
    return booking_settings(checkin.therapist).cutoff_hours


def upcoming_for(enrollment: Enrollment, *, now: datetime.datetime | None = None) -> CheckIn | None:
    return (
        CheckIn.objects.filter(enrollment=enrollment, status=CheckIn.Status.BOOKED, ends_at__gt=now or timezone.now())
        .order_by("starts_at")
        .first()
    )


def _check_mode(enrollment: Enrollment, mode: str) -> None:
    if mode not in CheckIn.Mode.values:
        raise CheckInError(_("Choose video call or phone call."))
    if mode == CheckIn.Mode.VIDEO and not video_available(enrollment):
        raise CheckInError(_("Video calls are not available at this clinic. Choose a phone call."))


def _lock(enrollment: Enrollment) -> None:
    # One booking change per patient at a time: two tabs cannot book two check-ins.
    Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk", flat=True).get()


def _busy(therapist: User, starts_at, ends_at, *, ignore: CheckIn | None = None) -> bool:
    clash = CheckIn.objects.filter(
        therapist=therapist, status=CheckIn.Status.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if ignore is not None:
        clash = clash.exclude(pk=ignore.pk)
    return clash.exists()


def _is_free_slot(therapist: User, starts_at: datetime.datetime, *, ignore: CheckIn | None = None) -> Slot | None:
    slots = therapist_free_slots(
        therapist, start=starts_at, end=starts_at + datetime.timedelta(minutes=1), ignore=ignore
    )
    return slots[0] if slots and slots[0].starts_at == starts_at else None


def _save_or_taken(save) -> None:
    """Run a write in a savepoint; the database's no-double-booking refusal becomes SlotTaken."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        if "checkin" in str(error).lower() or "overlap" in str(error).lower():
            raise SlotTaken() from error
        raise


@transaction.atomic
def checkin_book(
    *,
    enrollment: Enrollment,
    by: User,
    starts_at: datetime.datetime,
    mode: str,
    minutes: int | None = None,
    request=None,
) -> CheckIn:
    """Book a check-in. The patient books a free slot (sync or mixed contact only, one upcoming at a
    time); the therapist may book any contact mode, at a free slot or at any time that does not
    overlap another booked check-in (``minutes``: its length; default the slot length)."""
    _lock(enrollment)
    therapist = enrollment.therapist
    by_patient = by.pk == enrollment.patient_id
    if therapist is None or not enrollment.is_open:
        raise CheckInError(_("Check-ins cannot be booked at the moment. Please contact your clinic."))
    _check_mode(enrollment, mode)
    if by_patient:
        if enrollment.contact_mode not in BOOKABLE_MODES:
            raise CheckInError(_("Your plan is messages only, so check-ins are not booked here."))
        if upcoming_for(enrollment) is not None:
            raise CheckInError(_("You already have a check-in booked. You can change its time instead."))
        slot = _is_free_slot(therapist, starts_at)
        if slot is None:
            raise SlotTaken()
        ends_at = slot.ends_at
    else:
        length = minutes or booking_settings(therapist).slot_minutes
        ends_at = starts_at + datetime.timedelta(minutes=length)
        _check_staff_time(therapist, starts_at, ends_at)
    checkin = CheckIn(
        enrollment=enrollment,
        therapist=therapist,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        room=secrets.token_urlsafe(24),
        booked_by=by,
    )
    _save_or_taken(checkin.save)
    audit_log(actor=by, action="guidance.checkin.booked", enrollment=enrollment, target=checkin, request=request)
    _announce(checkin, CONFIRMED_KIND)
    return checkin


def _check_staff_time(therapist: User, starts_at, ends_at, *, ignore: CheckIn | None = None) -> None:
    if starts_at <= timezone.now():
        raise CheckInError(_("Choose a time in the future."))
    if ends_at - starts_at > datetime.timedelta(hours=4):
        raise CheckInError(_("A check-in can be up to 4 hours long."))
    if _busy(therapist, starts_at, ends_at, ignore=ignore):
        raise CheckInError(_("You already have a check-in at that time. Choose another time."))


@transaction.atomic
def checkin_reschedule(
    *, checkin: CheckIn, by: User, starts_at: datetime.datetime, mode: str | None = None, request=None
) -> CheckIn:
    """Move a booked check-in (and maybe change its mode). Patients: to a free slot, up to the cutoff."""
    enrollment = checkin.enrollment
    _lock(enrollment)
    checkin.refresh_from_db()
    mode = mode or checkin.mode
    _check_mode(enrollment, mode)
    by_patient = by.pk == enrollment.patient_id
    if checkin.status != CheckIn.Status.BOOKED:
        raise CheckInError(_("This check-in is no longer booked, so it cannot be changed."))
    if by_patient:
        if not patient_may_change(checkin):
            raise CheckInError(_("It is too late to change this check-in here. Please contact your therapist."))
        slot = _is_free_slot(checkin.therapist, starts_at, ignore=checkin)
        if slot is None:
            raise SlotTaken()
        ends_at = slot.ends_at
    else:
        ends_at = starts_at + (checkin.ends_at - checkin.starts_at)
        _check_staff_time(checkin.therapist, starts_at, ends_at, ignore=checkin)
    if starts_at == checkin.starts_at and mode == checkin.mode:
        return checkin  # nothing changed (a double click): no new e-mails
    checkin.starts_at, checkin.ends_at, checkin.mode = starts_at, ends_at, mode
    checkin.sequence += 1
    checkin.updated_at = timezone.now()
    _save_or_taken(partial(checkin.save, update_fields=["starts_at", "ends_at", "mode", "sequence", "updated_at"]))
    audit_log(actor=by, action="guidance.checkin.rescheduled", enrollment=enrollment, target=checkin, request=request)
    _announce(checkin, CONFIRMED_KIND)
    return checkin


@transaction.atomic
def checkin_cancel(*, checkin: CheckIn, by: User, request=None) -> CheckIn:
    """Cancel a booked check-in (patients: up to the cutoff). Cancelling twice does nothing more."""
    enrollment = checkin.enrollment
    _lock(enrollment)
    checkin.refresh_from_db()
    by_patient = by.pk == enrollment.patient_id
    if checkin.status == CheckIn.Status.CANCELLED:
        return checkin
    if checkin.status != CheckIn.Status.BOOKED:
        raise CheckInError(_("This check-in has already taken place."))
    if by_patient and not patient_may_change(checkin):
        raise CheckInError(_("It is too late to cancel this check-in here. Please contact your therapist."))
    now = timezone.now()
    checkin.status, checkin.cancelled_at, checkin.cancelled_by = CheckIn.Status.CANCELLED, now, by
    checkin.sequence += 1
    checkin.updated_at = now
    checkin.save(update_fields=["status", "cancelled_at", "cancelled_by", "sequence", "updated_at"])
    audit_log(actor=by, action="guidance.checkin.cancelled", enrollment=enrollment, target=checkin, request=request)
    _announce(checkin, CANCELLED_KIND)
    return checkin


OUTCOMES = (CheckIn.Status.HELD, CheckIn.Status.NO_SHOW, CheckIn.Status.CANCELLED)


@transaction.atomic
def checkin_record_outcome(
    *, checkin: CheckIn, by: User, outcome: str, minutes: int | None = None, request=None
) -> CheckIn:
    """The therapist records what happened: held (with minutes, added to the time ledger), did not
    attend, or cancelled. Held and did-not-attend only once the check-in's time has come."""
    enrollment = checkin.enrollment
    _lock(enrollment)
    checkin.refresh_from_db()
    if outcome not in OUTCOMES:
        raise CheckInError(_("Choose what happened."))
    if outcome == CheckIn.Status.CANCELLED:
        return checkin_cancel(checkin=checkin, by=by, request=request)
    if checkin.status == outcome:
        return checkin  # recorded already (a double click)
    if checkin.status != CheckIn.Status.BOOKED:
        raise CheckInError(_("The outcome of this check-in has already been recorded."))
    now = timezone.now()
    if checkin.starts_at > now:
        raise CheckInError(_("You can record what happened once the check-in's time has come."))
    if outcome == CheckIn.Status.HELD:
        minutes = minutes or int((checkin.ends_at - checkin.starts_at).total_seconds() // 60)
        if not 1 <= minutes <= 24 * 60:
            raise CheckInError(_("Enter a number of minutes from 1 to 1,440."))
        checkin.minutes = minutes
    checkin.status, checkin.outcome_at, checkin.updated_at = outcome, now, now
    checkin.save(update_fields=["status", "minutes", "outcome_at", "updated_at"])
    if outcome == CheckIn.Status.HELD:
        time_entry_record(
            therapist=by,
            enrollment=enrollment,
            activity=TimeEntry.Activity.CHECKIN,
            minutes=minutes,
            source=f"guidance.checkin:{checkin.pk}",
            at=checkin.starts_at,
        )
    audit_log(actor=by, action=f"guidance.checkin.{outcome}", enrollment=enrollment, target=checkin, request=request)
    return checkin


# --- Availability writes (the therapist's own) ----------------------------------------------------

BOOKING_FIELDS = ("slot_minutes", "buffer_minutes", "notice_hours", "horizon_days", "cutoff_hours")


@transaction.atomic
def booking_settings_save(*, therapist: User, values: dict, request=None) -> BookingSettings:
    booking, _created = BookingSettings.objects.get_or_create(therapist=therapist)
    for field in BOOKING_FIELDS:
        setattr(booking, field, values[field])
    booking.updated_at = timezone.now()
    booking.save(update_fields=[*BOOKING_FIELDS, "updated_at"])
    audit_log(actor=therapist, action="guidance.availability.settings_changed", target=booking, request=request)
    return booking


@transaction.atomic
def availability_rule_add(
    *, therapist: User, weekday: int, start_time: datetime.time, end_time: datetime.time, request=None
) -> AvailabilityRule:
    if end_time <= start_time:
        raise CheckInError(_("The end time must be after the start time."))
    rule, _created = AvailabilityRule.objects.get_or_create(
        therapist=therapist, weekday=weekday, start_time=start_time, end_time=end_time
    )
    audit_log(actor=therapist, action="guidance.availability.rule_added", target=rule, request=request)
    return rule


@transaction.atomic
def availability_rule_remove(*, therapist: User, rule_id: int, request=None) -> None:
    rule = AvailabilityRule.objects.filter(therapist=therapist, pk=rule_id).first()
    if rule is None:
        return  # removed already (two tabs, a double click)
    audit_log(actor=therapist, action="guidance.availability.rule_removed", target=rule, request=request)
    rule.delete()


@transaction.atomic
def availability_exception_add(
    *,
    therapist: User,
    date: datetime.date,
    available: bool,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    note: str = "",
    request=None,
) -> AvailabilityException:
    if (start_time is None) != (end_time is None):
        raise CheckInError(_("Enter both a start and an end time, or neither for the whole day."))
    if start_time is not None and end_time <= start_time:
        raise CheckInError(_("The end time must be after the start time."))
    if available and start_time is None:
        raise CheckInError(_("Enter the start and end of the extra hours."))
    exception = AvailabilityException.objects.create(
        therapist=therapist, date=date, available=available, start_time=start_time, end_time=end_time, note=note
    )
    audit_log(actor=therapist, action="guidance.availability.exception_added", target=exception, request=request)
    return exception


@transaction.atomic
def availability_exception_remove(*, therapist: User, exception_id: int, request=None) -> None:
    exception = AvailabilityException.objects.filter(therapist=therapist, pk=exception_id).first()
    if exception is None:
        return
    audit_log(actor=therapist, action="guidance.availability.exception_removed", target=exception, request=request)
    exception.delete()


# --- E-mails ---------------------------------------------------------------------------------------


def _announce(checkin: CheckIn, kind: str) -> None:
    """Confirmations to the patient and the therapist; reminders for a booked one. In the caller's
    transaction; keys hold the sequence, so each change mails once and older reminders lapse."""
    enrollment = checkin.enrollment
    context = {"checkin_id": checkin.pk, "sequence": checkin.sequence}
    word = "cancel" if kind == CANCELLED_KIND else "confirm"
    for user in (enrollment.patient, checkin.therapist):
        notify(
            user=user,
            kind=kind,
            dedupe_key=f"{kind}:{checkin.pk}:{checkin.sequence}:{user.pk}:{word}",
            context=context,
        )
    if checkin.status == CheckIn.Status.BOOKED:
        _schedule_reminders(checkin)


def _schedule_reminders(checkin: CheckIn) -> None:
    now = timezone.now()
    for label, before in REMINDERS.items():
        due = checkin.starts_at - before
        if due <= now:
            continue  # its time has passed already: no late "tomorrow" e-mail
        notify(
            user=checkin.enrollment.patient,
            kind=REMINDER_KIND,
            dedupe_key=f"{REMINDER_KIND}:{checkin.pk}:{checkin.sequence}:{label}",
            context={"checkin_id": checkin.pk, "sequence": checkin.sequence, "before": label},
            due_at=due,
        )


# --- Navigation and registration -------------------------------------------------------------------


def nav_items(request, roles) -> list[tuple[str, str]]:
    """Therapists: "Availability" (no query). The patient's "Check-ins" comes with their "Messages"
    (guidance.selectors.nav_items), in the same query."""
    if roles.is_therapist and not getattr(request, "htmx", False):
        return [(_("Availability"), reverse("availability"))]
    return []


def cancel_after_reassignment(sender, enrollments, previous, by, request=None, **kwargs) -> int:
    """A patient given another therapist keeps no check-in booked with the previous one: each upcoming
    one is cancelled through ``checkin_cancel`` (audited; the patient and the previous therapist get
    the usual cancellation with its calendar file), and the patient books again with their new
    therapist. Returns how many were cancelled."""
    booked = CheckIn.objects.filter(
        enrollment__in=enrollments, status=CheckIn.Status.BOOKED, starts_at__gt=timezone.now()
    ).select_related("enrollment__patient", "enrollment__clinic", "therapist")
    cancelled = 0
    for checkin in booked:
        if checkin.therapist_id == previous.get(checkin.enrollment_id):
            checkin_cancel(checkin=checkin, by=by, request=request)
            cancelled += 1
    return cancelled


def ready() -> None:
    """Registrations made when the app loads (notification kinds, navigation)."""
    from clinics.context_processors import register_nav_extension
    from clinics.signals import enrollments_reassigned

    enrollments_reassigned.connect(cancel_after_reassignment, dispatch_uid="guidance_cancel_after_reassignment")
    from guidance import checkin_mail
    from notifications.registry import register_kind

    register_kind(
        CONFIRMED_KIND,
        template="guidance/email/checkin_confirmed",
        build_context=checkin_mail.confirmed_context,
        attachments=checkin_mail.calendar_attachment,
    )
    register_kind(
        CANCELLED_KIND,
        template="guidance/email/checkin_cancelled",
        build_context=checkin_mail.cancelled_context,
        attachments=checkin_mail.calendar_attachment,
    )
    register_kind(
        REMINDER_KIND, template="guidance/email/checkin_reminder", build_context=checkin_mail.reminder_context
    )
    register_nav_extension(nav_items)
