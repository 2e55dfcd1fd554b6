"""The slot engine: wall-clock availability in the therapist's zone, across the clocks changing."""

import datetime
import zoneinfo
from types import SimpleNamespace

from guidance.checkins import day_windows, free_slots, local_to_utc, slots_by_day
from guidance.models import BookingSettings

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC


def rule(weekday, start, end):
    return SimpleNamespace(weekday=weekday, start_time=datetime.time(*start), end_time=datetime.time(*end))


def off(date, start=None, end=None, available=False):
    return SimpleNamespace(
        date=date,
        start_time=datetime.time(*start) if start else None,
        end_time=datetime.time(*end) if end else None,
        available=available,
    )


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def booking(**overrides):
    values = {"slot_minutes": 30, "buffer_minutes": 0, "notice_hours": 0, "horizon_days": 365} | overrides
    return BookingSettings(**values)


def slots(rules, *, start, end, now=None, exceptions=(), booked=(), zone=LONDON, **settings):
    return [
        s.starts_at
        for s in free_slots(
            rules=rules,
            exceptions=exceptions,
            booked=list(booked),
            booking=booking(**settings),
            zone=zone,
            start=start,
            end=end,
            now=now or start,
        )
    ]


MONDAY = 0
SUNDAY = 6


def test_nine_oclock_london_stays_nine_oclock_across_the_spring_change():
    rules = [rule(MONDAY, (9, 0), (10, 0))]
    before = slots(rules, start=utc(2026, 3, 23), end=utc(2026, 3, 24))
    after = slots(rules, start=utc(2026, 3, 30), end=utc(2026, 3, 31))
    assert before == [utc(2026, 3, 23, 9, 0), utc(2026, 3, 23, 9, 30)]  # GMT
    assert after == [utc(2026, 3, 30, 8, 0), utc(2026, 3, 30, 8, 30)]  # BST: 09:00 local is 08:00 UTC


def test_nine_oclock_london_stays_nine_oclock_across_the_autumn_change():
    rules = [rule(MONDAY, (9, 0), (9, 30))]
    assert slots(rules, start=utc(2026, 10, 19), end=utc(2026, 10, 20)) == [utc(2026, 10, 19, 8, 0)]
    assert slots(rules, start=utc(2026, 10, 26), end=utc(2026, 10, 27)) == [utc(2026, 10, 26, 9, 0)]


def test_local_times_the_clocks_skip_are_left_out():
    # Sunday 29 March 2026: London jumps from 01:00 to 02:00.
    rules = [rule(SUNDAY, (0, 0), (3, 0))]
    found = slots(rules, start=utc(2026, 3, 28, 12), end=utc(2026, 3, 29, 12))
    local = [s.astimezone(LONDON).strftime("%H:%M") for s in found]
    assert local == ["00:00", "00:30", "02:00", "02:30"]
    assert local_to_utc(datetime.date(2026, 3, 29), 90, LONDON) is None


def test_ambiguous_local_times_take_their_first_occurrence_and_never_overlap():
    # Sunday 25 October 2026: London goes from 02:00 BST back to 01:00 GMT; 01:00-02:00 happens twice.
    rules = [rule(SUNDAY, (0, 0), (3, 0))]
    found = slots(rules, start=utc(2026, 10, 24, 12), end=utc(2026, 10, 25, 12))
    assert found == [
        utc(2026, 10, 24, 23, 0),  # 00:00 BST
        utc(2026, 10, 24, 23, 30),
        utc(2026, 10, 25, 0, 0),  # 01:00 BST, the first 01:00
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 2, 0),  # 02:00 GMT
        utc(2026, 10, 25, 2, 30),
    ]
    assert found == slots(rules, start=utc(2026, 10, 24, 12), end=utc(2026, 10, 25, 12))  # same every run


def test_a_patient_in_new_york_sees_london_slots_in_their_own_time():
    rules = [rule(MONDAY, (9, 0), (10, 0))]
    found = free_slots(
        rules=rules,
        exceptions=[],
        booked=[],
        booking=booking(),
        zone=LONDON,
        start=utc(2026, 3, 23),
        end=utc(2026, 3, 24),
        now=utc(2026, 3, 20),
    )
    days = slots_by_day(found, NEW_YORK)
    # New York moved its clocks on 8 March, London on 29 March: 09:00 London is 05:00 in New York.
    assert [
        (day, [s.starts_at.astimezone(NEW_YORK).strftime("%H:%M") for s in day_slots]) for day, day_slots in days
    ] == [(datetime.date(2026, 3, 23), ["05:00", "05:30"])]


def test_a_late_evening_slot_falls_on_the_next_day_for_someone_further_east():
    rules = [rule(MONDAY, (23, 0), (23, 30))]
    found = free_slots(
        rules=rules, exceptions=[], booked=[], booking=booking(), zone=LONDON,
        start=utc(2026, 3, 23), end=utc(2026, 3, 24), now=utc(2026, 3, 20),
    )  # fmt: skip
    assert [day for day, _slots in slots_by_day(found, zoneinfo.ZoneInfo("Europe/Berlin"))] == [
        datetime.date(2026, 3, 24)
    ]


def test_minimum_notice_and_horizon_limit_what_can_be_booked():
    rules = [rule(weekday, (9, 0), (10, 0)) for weekday in range(7)]
    now = utc(2026, 3, 2, 8, 15)
    found = slots(rules, start=now, end=now + datetime.timedelta(days=30), now=now, notice_hours=25, horizon_days=3)
    assert found[0] == utc(2026, 3, 3, 9, 30)  # 09:00 tomorrow is less than 25 h away
    assert found[-1] == utc(2026, 3, 4, 9, 30)  # the horizon ends on 5 March at 08:15
    assert len(found) == 3


def test_booked_check_ins_and_their_buffer_are_not_free():
    rules = [rule(MONDAY, (9, 0), (11, 0))]
    booked = [(utc(2026, 3, 2, 9, 30), utc(2026, 3, 2, 10, 0))]
    found = slots(rules, start=utc(2026, 3, 2), end=utc(2026, 3, 3), booked=booked, buffer_minutes=10)
    # 09:00 ends 09:30, within 10 min of the booking; 10:00 starts at its end: inside the buffer too.
    assert found == [utc(2026, 3, 2, 10, 30)]
    assert slots(rules, start=utc(2026, 3, 2), end=utc(2026, 3, 3), booked=booked) == [
        utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 10, 30),
    ]  # fmt: skip


def test_exceptions_take_a_day_or_hours_off_and_add_extra_hours():
    monday, tuesday = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3)
    rules = [rule(MONDAY, (9, 0), (12, 0))]
    assert day_windows(monday, rules, [off(monday)]) == []
    hours_off = day_windows(monday, rules, [off(monday, (10, 0), (11, 0))])
    assert [(w.start, w.end) for w in hours_off] == [(540, 600), (660, 720)]
    extra = day_windows(tuesday, rules, [off(tuesday, (14, 0), (15, 0), available=True)])
    assert [(w.start, w.end) for w in extra] == [(840, 900)]
    found = slots(rules, start=utc(2026, 3, 2), end=utc(2026, 3, 3), exceptions=[off(monday, (9, 0), (11, 30))])
    assert found == [utc(2026, 3, 2, 11, 30)]


def test_slots_end_inside_their_window():
    rules = [rule(MONDAY, (9, 0), (10, 15))]
    assert slots(rules, start=utc(2026, 3, 2), end=utc(2026, 3, 3), slot_minutes=45) == [utc(2026, 3, 2, 9, 0)]


def test_nothing_outside_the_range_asked_for():
    rules = [rule(weekday, (9, 0), (10, 0)) for weekday in range(7)]
    found = slots(rules, start=utc(2026, 3, 2, 9, 30), end=utc(2026, 3, 3, 9, 30))
    assert found == [utc(2026, 3, 2, 9, 30), utc(2026, 3, 3, 9, 0)]
