"""Scheduling rules: a publication time must be in the future, a channel has
a daily capacity and blackout dates. Days are counted in the network's time
zone (Europe/Paris by default), not in UTC. A publication time is booked in
whole minutes, and the free slots proposed are on the quarter hour."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .errors import N_, RuleBroken

DEFAULT_TZ = "Europe/Paris"
SEARCH_DAYS = 366
SLOT_MINUTES = 15


@dataclass(frozen=True)
class ChannelRules:
    name: str
    daily_capacity: int
    blackout_days: frozenset  # of date


def local_day(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tz)).date()


def whole_minute(moment: datetime) -> datetime:
    """``moment`` without its seconds and microseconds: what is booked (a drop's
    09:54:41.466 is 09:54)."""
    return moment.replace(second=0, microsecond=0)


def quarter_hour_ceil(moment: datetime) -> datetime:
    """The first quarter hour (:00, :15, :30, :45) at or after ``moment``."""
    base = whole_minute(moment)
    if base == moment and base.minute % SLOT_MINUTES == 0:
        return moment
    quarters = base.minute // SLOT_MINUTES + 1
    return base.replace(minute=0) + timedelta(minutes=quarters * SLOT_MINUTES)


def check_slot(moment: datetime, now: datetime, rules: ChannelRules, booked_per_day: dict,
               tz: str = DEFAULT_TZ):
    """Raise RuleBroken (naming the rule and the next free slot) unless
    ``moment`` may take an item on this channel.

    ``booked_per_day`` maps a local date to the number of items already
    scheduled on the channel that day (not counting the item being placed).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if moment <= now:
        raise RuleBroken(
            N_("The publication time must be in the future."),
            rule="future", next_free_slot=_iso(next_free_slot(now + timedelta(hours=1), rules,
                                                               booked_per_day, tz)),
        )
    day = local_day(moment, tz)
    if day in rules.blackout_days:
        raise RuleBroken(
            N_("%(day)s is a blackout date on channel '%(channel)s'."),
            params={"day": day, "channel": rules.name},
            rule="blackout", next_free_slot=_iso(next_free_slot(moment, rules, booked_per_day, tz)),
        )
    if booked_per_day.get(day, 0) >= rules.daily_capacity:
        raise RuleBroken(
            N_("Channel '%(channel)s' is full on %(day)s (daily capacity %(capacity)s)."),
            params={"channel": rules.name, "day": day, "capacity": rules.daily_capacity},
            rule="capacity", next_free_slot=_iso(next_free_slot(moment, rules, booked_per_day, tz)),
        )


def next_free_slot(moment: datetime, rules: ChannelRules, booked_per_day: dict,
                   tz: str = DEFAULT_TZ) -> datetime | None:
    """The same local time of day, rounded up to the quarter hour, on the first
    day from ``moment`` on that is neither a blackout date nor full; None if none
    within a year."""
    zone = ZoneInfo(tz)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = quarter_hour_ceil(moment.astimezone(timezone.utc)).astimezone(zone)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if day in rules.blackout_days or booked_per_day.get(day, 0) >= rules.daily_capacity:
            continue
        candidate = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
        return candidate.astimezone(timezone.utc)
    return None


def _iso(moment):
    return moment.isoformat() if moment else None
