"""Read side of the publication calendar: the items scheduled or published in a
window of local days, each day's remaining capacity per channel, the public
holidays of the window, and the approved items still waiting for a date. Days
are local (Europe/Paris)."""
import functools
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from flask import current_app

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..domain import states as st
from ..domain.labels import DUE_DONE_STATES
from ..domain.errors import N_, Invalid, NotFound, Text
from ..domain.scheduling import DEFAULT_TZ, local_day
from ..extensions import db
from ..models import Channel, Group, Item
from .channels import get_channel
from .common import actor_for, require_user, visible_group_ids
from .queries import item_load_options

MAX_WINDOW_DAYS = 366
UNSCHEDULED_LIMIT = 200


def day_bounds(start: date, end: date, tz: str = DEFAULT_TZ):
    """The UTC instants of local midnight on ``start`` and on ``end`` (exclusive)."""
    zone = ZoneInfo(tz)
    return (datetime.combine(start, time(), tzinfo=zone).astimezone(timezone.utc),
            datetime.combine(end, time(), tzinfo=zone).astimezone(timezone.utc))


def _group_scope(user, group_id):
    """The group ids to show: the one asked for (if visible) or all visible ones (None = all)."""
    visible = visible_group_ids(user)
    if group_id is None:
        return visible
    group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
    if group is None or not actor_for(user, group.id).can_see_group():
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    return [group.id]


def _check_window(user, start, end):
    """A signed-in user and a window of at most MAX_WINDOW_DAYS days. Raises Unauthorized, Invalid."""
    require_user(user)
    if end <= start:
        raise Invalid(N_("'to' must be after 'from'."), errors={"to": [N_("Must be after 'from'.")]})
    if (end - start).days > MAX_WINDOW_DAYS:
        raise Invalid(N_("The window is at most %(days)s days."), params={"days": MAX_WINDOW_DAYS},
                      errors={"to": [Text(N_("At most %(days)s days after 'from'."), {"days": MAX_WINDOW_DAYS})]})


# The reader's language → the `holidays` package's name for it (its names of the days).
HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_US"}


def window(user, start: date, end: date, *, group_id=None, channel_ref=None, resource_type=None,
           tz: str = DEFAULT_TZ, language: str | None = None):
    """Items the user can see that are scheduled or published between local
    days ``start`` (inclusive) and ``end`` (exclusive), plus for each day and
    channel the capacity left, and the public holidays (``{day_iso: name}``,
    named in ``language`` when the holidays package has it).
    Raises Unauthorized, Invalid (window), NotFound (group or channel)."""
    _check_window(user, start, end)
    groups = _group_scope(user, group_id)
    channel = get_channel(channel_ref) if channel_ref is not None else None
    low, high = day_bounds(start, end, tz)

    q = (select(Item).options(*item_load_options(), joinedload(Item.group))
         .where(Item.deleted.is_(False),
                or_(and_(Item.state == st.SCHEDULED, Item.scheduled_at >= low, Item.scheduled_at < high),
                    and_(Item.state == st.PUBLISHED, Item.published_at >= low, Item.published_at < high),
                    # A slot held by an item back in review: shown pending, at its time.
                    and_(Item.held_slot_at >= low, Item.held_slot_at < high))))
    if groups is not None:
        q = q.where(Item.group_id.in_(groups))
    if channel is not None:
        q = q.where(Item.channel_id == channel.id)
    if resource_type is not None:
        q = q.where(Item.resource_type == resource_type)
    items = list(db.session.scalars(q.order_by(Item.scheduled_at, Item.held_slot_at, Item.id)))

    channels = [channel] if channel is not None else list(db.session.scalars(
        select(Channel).options(selectinload(Channel.blackout_dates)).order_by(Channel.name)))
    return {"items": items, "capacity": capacity(channels, start, end, low, high, tz), "channels": channels,
            "holidays": holidays_between(start, end, language)}


@functools.lru_cache(maxsize=8)
def _named_holidays(country, subdiv, language):
    return holiday_calendars.country_holidays(country, subdiv=subdiv, language=HOLIDAY_LANGUAGES.get(language))


def holidays_between(start: date, end: date, language: str | None = None):
    """``{day_iso: name}`` of the network's public holidays (``PUBLIC_HOLIDAYS_COUNTRY`` and
    ``PUBLIC_HOLIDAYS_SUBDIV``, as working days count them) from ``start`` to ``end``
    (exclusive). Informative: a holiday is not a closure of any channel."""
    holidays = _named_holidays(current_app.config.get("PUBLIC_HOLIDAYS_COUNTRY", "FR"),
                               current_app.config.get("PUBLIC_HOLIDAYS_SUBDIV") or None, language)
    out = {}
    day = start
    while day < end:
        name = holidays.get(day)
        if name:
            out[day.isoformat()] = name
        day += timedelta(days=1)
    return out


def capacity(channels, start, end, low, high, tz=DEFAULT_TZ):
    """``{day_iso: {slug: {daily_capacity, booked, remaining, blackout}}}``. Every
    scheduled item counts (visible to the caller or not), and every slot held by an
    item back in review (it comes back to it): capacity is the channel's."""
    booked = {}
    ids = [c.id for c in channels]
    rows = db.session.execute(
        select(Item.channel_id, Item.scheduled_at)
        .where(Item.state == st.SCHEDULED, Item.deleted.is_(False), Item.channel_id.in_(ids),
               Item.scheduled_at >= low, Item.scheduled_at < high)).all()
    rows += db.session.execute(
        select(Item.channel_id, Item.held_slot_at)
        .where(Item.held_slot_at.is_not(None), Item.deleted.is_(False), Item.channel_id.in_(ids),
               Item.held_slot_at >= low, Item.held_slot_at < high)).all()
    for channel_id, moment in rows:
        key = (channel_id, local_day(moment, tz))
        booked[key] = booked.get(key, 0) + 1
    out = {}
    day = start
    while day < end:
        per_channel = {}
        for channel in channels:
            blackout = next((b for b in channel.blackout_dates if b.day == day), None)
            taken = booked.get((channel.id, day), 0)
            per_channel[channel.slug] = {
                "daily_capacity": channel.daily_capacity,
                "booked": taken,
                "remaining": 0 if blackout else max(channel.daily_capacity - taken, 0),
                "blackout": ({"reason": blackout.reason} if blackout else None),
            }
        out[day.isoformat()] = per_channel
        day += timedelta(days=1)
    return out


def unscheduled_approved(user, *, group_id=None, channel_ref=None, resource_type=None):
    """Approved items without a date yet, oldest first, for the calendar's side list."""
    require_user(user)
    groups = _group_scope(user, group_id)
    q = (select(Item).options(*item_load_options(), joinedload(Item.group))
         .where(Item.deleted.is_(False), Item.state == st.APPROVED))
    if groups is not None:
        q = q.where(Item.group_id.in_(groups))
    if channel_ref is not None:
        q = q.where(or_(Item.channel_id == get_channel(channel_ref).id, Item.channel_id.is_(None)))
    if resource_type is not None:
        q = q.where(Item.resource_type == resource_type)
    return list(db.session.scalars(q.order_by(Item.updated_at, Item.id).limit(UNSCHEDULED_LIMIT)))


def due_window(user, start: date, end: date, *, group_id=None, resource_type=None, tz: str = DEFAULT_TZ):
    """Items the user can see that are due (``due_at``, "à préparer pour le …") between
    local days ``start`` and ``end`` (exclusive) and not yet approved: the calendar shows
    them as markers apart from the publications. Raises Unauthorized, Invalid, NotFound."""
    _check_window(user, start, end)
    groups = _group_scope(user, group_id)
    low, high = day_bounds(start, end, tz)
    q = (select(Item).options(joinedload(Item.group))
         .where(Item.deleted.is_(False), Item.state.not_in(DUE_DONE_STATES),
                Item.due_at >= low, Item.due_at < high))
    if groups is not None:
        q = q.where(Item.group_id.in_(groups))
    if resource_type is not None:
        q = q.where(Item.resource_type == resource_type)
    return list(db.session.scalars(q.order_by(Item.due_at, Item.id)))


def visible_groups(user):
    """The groups whose items the calendar shows, with their colours."""
    ids = visible_group_ids(user)
    q = select(Group).order_by(Group.name)
    if ids is not None:
        q = q.where(Group.id.in_(ids))
    return list(db.session.scalars(q))
