"""Channel rules set by coordinators: daily capacity and blackout dates
(closures, holidays). The scheduling rules in domain/scheduling.py read them."""
from datetime import date

from sqlalchemy import select

from ..domain.errors import N_, Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import BlackoutDate, Channel
from .common import require_user
from .unit_of_work import unit_of_work

CHANNEL_UPDATED = "channel.updated"


def _require_coordinator(user):
    require_user(user)
    if not (user.is_coordinator or user.is_admin):
        raise Forbidden(N_("Only a coordinator may change a channel's capacity or blackout dates."))


def get_channel(ref):
    """A channel by slug or id. Raises NotFound."""
    channel = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        value = int(ref)
        channel = db.session.get(Channel, value) if 0 < value < 2**63 else None
    if channel is None and isinstance(ref, str):
        channel = db.session.scalar(select(Channel).where(Channel.slug == ref))
    if channel is None:
        raise NotFound(N_("No channel '%(channel)s'."), params={"channel": ref})
    return channel


def _channel_payload(channel):
    return {"channel": {"id": channel.id, "slug": channel.slug, "name": channel.name,
                        "daily_capacity": channel.daily_capacity,
                        "blackout_dates": [b.day.isoformat() for b in channel.blackout_dates]}}


def set_daily_capacity(user, channel_ref, capacity: int):
    """How many items a channel publishes per local day. Lowering it does not
    unschedule anything already booked. Raises Forbidden, NotFound, Invalid."""
    _require_coordinator(user)
    channel = get_channel(channel_ref)
    if not isinstance(capacity, int) or not 0 <= capacity <= 1000:
        raise Invalid(N_("The daily capacity must be a whole number between 0 and 1000."),
                      errors={"daily_capacity": [N_("Between 0 and 1000.")]})
    with unit_of_work() as uow:
        channel.daily_capacity = capacity
        db.session.flush()
        uow.record(CHANNEL_UPDATED, actor_user=user, group_id=None, payload=_channel_payload(channel))
    return channel


def add_blackout_date(user, channel_ref, day: date, reason: str = ""):
    """Close a channel for a local day. Raises Forbidden, NotFound, Conflict (already closed)."""
    _require_coordinator(user)
    channel = get_channel(channel_ref)
    if any(b.day == day for b in channel.blackout_dates):
        raise Conflict(N_("%(day)s is already a blackout date on '%(channel)s'."),
                       params={"day": day, "channel": channel.name})
    with unit_of_work() as uow:
        channel.blackout_dates.append(BlackoutDate(day=day, reason=(reason or "")[:200]))
        db.session.flush()
        uow.record(CHANNEL_UPDATED, actor_user=user, group_id=None, payload=_channel_payload(channel))
    return channel


def remove_blackout_date(user, channel_ref, day: date):
    """Open a closed day again. Raises Forbidden, NotFound."""
    _require_coordinator(user)
    channel = get_channel(channel_ref)
    blackout = next((b for b in channel.blackout_dates if b.day == day), None)
    if blackout is None:
        raise NotFound(N_("%(day)s is not a blackout date on '%(channel)s'."),
                       params={"day": day, "channel": channel.name})
    with unit_of_work() as uow:
        channel.blackout_dates.remove(blackout)
        db.session.flush()
        uow.record(CHANNEL_UPDATED, actor_user=user, group_id=None, payload=_channel_payload(channel))
    return channel
