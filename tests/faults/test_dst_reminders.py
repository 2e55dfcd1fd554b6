"""Questionnaire reminders at 09:00 local time go out once each, on the right day, across the clock
changes of March and October 2027 (last Sundays: 28 March and 31 October).

The real sweeps run on their beat schedule (config/settings.py CELERY_BEAT_SCHEDULE: open_due every
5 minutes, remind_due and expire_due every 15, the dispatcher every 5 here) while the clock moves in
5-minute steps through six days around each change, for patients in London and Stockholm whose
reminder hour is 9. The open reminder comes on the day a weekly check opens; the due reminder on the
day it is due (3 days later).
"""

import datetime
import zoneinfo

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import dispatch_due
from outcomes import schedule
from outcomes.models import Assessment
from tests.factories import EnrollmentFactory, make_program

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
STEP = datetime.timedelta(minutes=5)
ZONES = ("Europe/London", "Europe/Stockholm")
OPEN, DUE = schedule.OPEN_REMINDER_KIND, schedule.DUE_REMINDER_KIND
D = datetime.date.fromisoformat

# Per season: {programme start: {(kind, occasion): local date of the reminder}}; week-n opens on start + 7(n-1) days.
SEASONS = {
    "march": {
        "window": ("2027-03-26T21:00", "2027-04-01T12:00"),
        "starts": {
            # week-3 opened Thu 25 (before the window) and is due on the change day; week-4 opens Thu 1.
            "2027-03-11": {(DUE, "week-3"): "2027-03-28", (OPEN, "week-4"): "2027-04-01"},
            "2027-03-13": {(OPEN, "week-3"): "2027-03-27", (DUE, "week-3"): "2027-03-30"},  # the day before
            "2027-03-14": {(OPEN, "week-3"): "2027-03-28", (DUE, "week-3"): "2027-03-31"},  # the change day
            "2027-03-15": {(OPEN, "week-3"): "2027-03-29", (DUE, "week-3"): "2027-04-01"},  # the day after
        },
    },
    "october": {
        "window": ("2027-10-29T21:00", "2027-11-04T12:00"),
        "starts": {
            "2027-10-14": {(DUE, "week-3"): "2027-10-31", (OPEN, "week-4"): "2027-11-04"},
            "2027-10-16": {(OPEN, "week-3"): "2027-10-30", (DUE, "week-3"): "2027-11-02"},
            "2027-10-17": {(OPEN, "week-3"): "2027-10-31", (DUE, "week-3"): "2027-11-03"},
            "2027-10-18": {(OPEN, "week-3"): "2027-11-01", (DUE, "week-3"): "2027-11-04"},
        },
    },
}


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def enrol(program, start: str, zone: str, window_start: datetime.datetime):
    """A patient whose earlier questionnaires are done; a week-3 check open before the window stays open."""
    enrollment = EnrollmentFactory(
        program=program, cohort__program=program, start_date=D(start), activated_at=None,
        patient__time_zone=zone, patient__reminder_hour=9,
    )  # fmt: skip
    schedule.schedule_sync(enrollment)
    earlier = Assessment.objects.filter(enrollment=enrollment, opens_at__lt=window_start)
    earlier.exclude(occasion="week-3").update(status=Assessment.Status.COMPLETED, submitted_at=window_start)
    earlier.filter(occasion="week-3").update(status=Assessment.Status.OPEN)
    return enrollment


def run_sweeps(start: datetime.datetime, end: datetime.datetime, monkeypatch) -> dict[int, datetime.datetime]:
    """Move the clock in 5-minute steps; return {notification id: the sweep time it was sent}."""
    clock = {"now": start}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    sent_at = {}
    while clock["now"] <= end:
        now = clock["now"]
        schedule.open_due(now=now)
        if now.minute % 15 == 0:
            schedule.remind_due(now=now)
            schedule.expire_due(now=now)
        if dispatch_due(now=now):
            for pk in Notification.objects.filter(status=Notification.Status.SENT).values_list("pk", flat=True):
                sent_at.setdefault(pk, now)
        clock["now"] = now + STEP
    return sent_at


@pytest.mark.parametrize("season", SEASONS)
def test_nine_oclock_reminders_go_out_once_on_the_right_day_across_the_clock_change(season, monkeypatch):
    plan = SEASONS[season]
    window_start, window_end = (utc(text) for text in plan["window"])
    program = make_program(weeks=9, pages=1, optional=0)
    expected = {}  # (enrolment id, kind, occasion) -> (zone, local date)
    for zone in ZONES:
        for start, reminders in plan["starts"].items():
            enrollment = enrol(program, start, zone, window_start)
            for (kind, occasion), day in reminders.items():
                expected[(enrollment.pk, kind, occasion)] = (zone, D(day))

    sent_at = run_sweeps(window_start, window_end, monkeypatch)

    reminders = Notification.objects.filter(kind__in=(OPEN, DUE)).select_related("user")
    got = {}
    for notification in reminders:
        key = (notification.context["enrollment_id"], notification.kind, notification.context["occasion"])
        assert notification.status == Notification.Status.SENT, key
        got[key] = notification
    assert set(got) == set(expected)  # each expected reminder once (the outbox's key allows no second row)
    for key, (zone, day) in expected.items():
        local = sent_at[got[key].pk].astimezone(zoneinfo.ZoneInfo(zone))
        assert local.date() == day, (zone, key, local)
        assert datetime.time(9, 0) <= local.time() < datetime.time(9, 5), (zone, key, local)
    # One e-mail per reminder, none twice.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(got[key].user.email for key in expected)


def test_the_change_days_really_are_in_the_windows():
    """The windows above straddle a clock change in both zones (guards the dates themselves)."""
    for zone_name in ZONES:
        zone = zoneinfo.ZoneInfo(zone_name)
        for season, change in (("march", "2027-03-28"), ("october", "2027-10-31")):
            before = datetime.datetime.combine(D(change), datetime.time(0), tzinfo=zone).utcoffset()
            after = datetime.datetime.combine(D(change), datetime.time(9), tzinfo=zone).utcoffset()
            assert before != after, (zone_name, season)
            assert D(change).weekday() == 6  # a Sunday
