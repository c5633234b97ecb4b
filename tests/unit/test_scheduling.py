"""Scheduling rules: future times only, blackout dates, daily capacity, days
counted in Europe/Paris (including the nights the clocks change)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from workflow.domain.errors import RuleBroken
from workflow.domain.scheduling import ChannelRules, check_slot, local_day, next_free_slot, whole_minute

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def rules(capacity=2, blackout=()):
    return ChannelRules(name="newsletter", daily_capacity=capacity, blackout_days=frozenset(blackout))


def refusal(moment, channel, booked=None, now=NOW):
    with pytest.raises(RuleBroken) as refused:
        check_slot(moment, now, channel, booked or {})
    return refused.value


# --- The future rule -------------------------------------------------------

def test_past_time_is_refused_by_the_future_rule():
    assert refusal(NOW - timedelta(hours=1), rules()).extra["rule"] == "future"


def test_the_present_moment_is_refused_by_the_future_rule():
    assert refusal(NOW, rules()).extra["rule"] == "future"


def test_past_time_refusal_suggests_an_hour_from_now():
    assert refusal(NOW - timedelta(days=3), rules()).extra["next_free_slot"] == "2027-01-10T13:00:00+00:00"


def test_free_future_slot_is_accepted():
    assert check_slot(utc(2027, 1, 12, 9, 0), NOW, rules(), {}) is None


# --- Blackout dates --------------------------------------------------------

def test_blackout_day_is_refused_by_the_blackout_rule():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(blackout={date(2027, 1, 12)}))
    assert refused.extra["rule"] == "blackout"


def test_blackout_refusal_suggests_the_same_time_on_the_next_allowed_day():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(blackout={date(2027, 1, 12)}))
    assert refused.extra["next_free_slot"] == "2027-01-13T09:00:00+00:00"


def test_blackout_refusal_skips_consecutive_blackout_days():
    blackout = {date(2027, 1, 12), date(2027, 1, 13), date(2027, 1, 14)}
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(blackout=blackout))
    assert refused.extra["next_free_slot"] == "2027-01-15T09:00:00+00:00"


def test_blackout_suggestion_skips_a_following_full_day():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(capacity=1, blackout={date(2027, 1, 12)}),
                      booked={date(2027, 1, 13): 1})
    assert refused.extra["next_free_slot"] == "2027-01-14T09:00:00+00:00"


# --- Capacity --------------------------------------------------------------

def test_full_day_is_refused_by_the_capacity_rule():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(capacity=2), booked={date(2027, 1, 12): 2})
    assert refused.extra["rule"] == "capacity"


def test_capacity_refusal_suggests_the_next_day_with_room():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(capacity=2),
                      booked={date(2027, 1, 12): 2, date(2027, 1, 13): 2})
    assert refused.extra["next_free_slot"] == "2027-01-14T09:00:00+00:00"


def test_day_with_room_left_is_accepted():
    assert check_slot(utc(2027, 1, 12, 9, 0), NOW, rules(capacity=2), {date(2027, 1, 12): 1}) is None


# --- Days are counted in Europe/Paris --------------------------------------

def test_late_evening_utc_on_new_years_eve_is_new_years_day_in_paris():
    assert local_day(utc(2027, 12, 31, 23, 30)) == date(2028, 1, 1)


def test_naive_moment_is_read_as_utc():
    assert local_day(datetime(2027, 12, 31, 23, 30)) == date(2028, 1, 1)


def test_blackout_applies_to_the_paris_day_not_the_utc_day():
    refused = refusal(utc(2027, 12, 31, 23, 30), rules(blackout={date(2028, 1, 1)}))
    assert refused.extra["rule"] == "blackout"


def test_blackout_on_the_utc_day_does_not_refuse_a_moment_already_next_day_in_paris():
    assert check_slot(utc(2027, 12, 31, 23, 30), NOW, rules(blackout={date(2027, 12, 31)}), {}) is None


def test_capacity_is_counted_on_the_paris_day():
    refused = refusal(utc(2027, 12, 31, 23, 30), rules(capacity=1), booked={date(2028, 1, 1): 1})
    assert refused.extra["rule"] == "capacity"


# --- The nights the clocks change (2027-03-28 forward, 2027-10-31 back) ----

@pytest.mark.parametrize("moment, day", [
    (utc(2027, 3, 27, 23, 30), date(2027, 3, 28)),   # 00:30 CET
    (utc(2027, 3, 28, 21, 30), date(2027, 3, 28)),   # 23:30 CEST
    (utc(2027, 3, 28, 22, 30), date(2027, 3, 29)),   # 00:30 CEST (would be 23:30 in CET)
    (utc(2027, 10, 30, 22, 30), date(2027, 10, 31)),  # 00:30 CEST (would be 23:30 in CET)
    (utc(2027, 10, 31, 22, 30), date(2027, 10, 31)),  # 23:30 CET (would be 00:30 in CEST)
    (utc(2027, 10, 31, 0, 30), date(2027, 10, 31)),   # 02:30 CEST, first of the two 02:30s
    (utc(2027, 10, 31, 1, 30), date(2027, 10, 31)),   # 02:30 CET, second of the two 02:30s
])
def test_local_day_uses_the_offset_in_force_around_clock_changes(moment, day):
    assert local_day(moment) == day


def test_next_free_slot_keeps_local_time_when_clocks_go_forward():
    # Saturday 09:00 CET (08:00 UTC) is blacked out; Sunday 09:00 is CEST, 07:00 UTC.
    slot = next_free_slot(utc(2027, 3, 27, 8, 0), rules(blackout={date(2027, 3, 27)}), {})
    assert slot == utc(2027, 3, 28, 7, 0)


def test_next_free_slot_keeps_local_time_when_clocks_go_back():
    # Saturday 09:00 CEST (07:00 UTC) is blacked out; Sunday 09:00 is CET, 08:00 UTC.
    slot = next_free_slot(utc(2027, 10, 30, 7, 0), rules(blackout={date(2027, 10, 30)}), {})
    assert slot == utc(2027, 10, 31, 8, 0)


def test_next_free_slot_across_the_change_is_at_the_same_paris_wall_clock_time():
    slot = next_free_slot(utc(2027, 3, 27, 8, 0), rules(blackout={date(2027, 3, 27)}), {})
    local = slot.astimezone(PARIS)
    assert (local.date(), local.hour, local.minute) == (date(2027, 3, 28), 9, 0)


def test_capacity_refusal_before_the_change_suggests_the_utc_time_after_it():
    refused = refusal(utc(2027, 10, 30, 7, 0), rules(capacity=1), booked={date(2027, 10, 30): 1})
    assert refused.extra["next_free_slot"] == "2027-10-31T08:00:00+00:00"


def test_next_free_slot_for_a_time_skipped_by_the_clocks_still_lands_on_the_next_day():
    # 02:30 local does not exist on 2027-03-28; the slot must still be that day in Paris.
    slot = next_free_slot(utc(2027, 3, 27, 1, 30), rules(blackout={date(2027, 3, 27)}), {})
    assert local_day(slot) == date(2027, 3, 28)


def test_next_free_slot_is_returned_in_utc():
    slot = next_free_slot(utc(2027, 7, 1, 9, 0), rules(), {})
    assert slot.utcoffset() == timedelta(0)


def test_next_free_slot_on_a_free_day_is_the_moment_itself():
    assert next_free_slot(utc(2027, 7, 1, 9, 0), rules(), {}) == utc(2027, 7, 1, 9, 0)


# --- No room within a year -------------------------------------------------

def test_no_free_slot_within_a_year_gives_none():
    assert next_free_slot(utc(2027, 1, 12, 9, 0), rules(capacity=0), {}) is None


def test_a_year_of_blackout_days_gives_no_free_slot():
    start = date(2027, 1, 12)
    blackout = {start + timedelta(days=n) for n in range(400)}
    assert next_free_slot(utc(2027, 1, 12, 9, 0), rules(blackout=blackout), {}) is None


def test_a_free_day_three_hundred_days_away_is_found():
    start = date(2027, 1, 12)
    blackout = {start + timedelta(days=n) for n in range(300)}
    slot = next_free_slot(utc(2027, 1, 12, 9, 0), rules(blackout=blackout), {})
    assert local_day(slot) == start + timedelta(days=300)


def test_refusal_with_no_free_slot_within_a_year_suggests_none():
    refused = refusal(utc(2027, 1, 12, 9, 0), rules(capacity=0))
    assert refused.extra["rule"] == "capacity"
    assert refused.extra["next_free_slot"] is None


# --- Whole minutes, quarter hours -------------------------------------------

def test_past_time_refusal_suggests_the_next_quarter_hour_an_hour_from_now():
    now = utc(2027, 1, 10, 8, 54, 41, 466000)
    refused = refusal(now - timedelta(days=1), rules(), now=now)
    assert refused.extra["next_free_slot"] == "2027-01-10T10:00:00+00:00"


@pytest.mark.parametrize("minute, second, expected", [
    (0, 0, (9, 0)), (0, 1, (9, 15)), (1, 0, (9, 15)), (15, 0, (9, 15)), (16, 30, (9, 30)),
    (44, 59, (9, 45)), (46, 0, (10, 0)), (59, 59, (10, 0)),
])
def test_next_free_slot_is_on_the_quarter_hour(minute, second, expected):
    slot = next_free_slot(utc(2027, 1, 12, 9, minute, second), rules(), {})
    assert (slot.hour, slot.minute, slot.second, slot.microsecond) == (*expected, 0, 0)


def test_next_free_slot_rounded_past_midnight_checks_the_next_day():
    late = datetime(2027, 1, 12, 23, 50, tzinfo=PARIS)
    slot = next_free_slot(late, rules(capacity=1), {date(2027, 1, 13): 1})
    assert slot.astimezone(PARIS) == datetime(2027, 1, 14, 0, 0, tzinfo=PARIS)


def test_whole_minute_drops_seconds_and_microseconds():
    assert whole_minute(utc(2027, 1, 12, 9, 54, 41, 466000)) == utc(2027, 1, 12, 9, 54)
