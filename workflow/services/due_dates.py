"""The daily reminder of due dates ("à préparer pour le …"): each item due by the
end of tomorrow (local day) or already overdue, not yet approved, gets one
``item.due_reminded`` event — once per due date: moving the date arms it again —
whose notification goes to its author and assignees."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.events import ITEM_DUE_REMINDED
from ..domain.labels import DUE_DONE_STATES
from ..domain.scheduling import DEFAULT_TZ
from ..extensions import db
from ..i18n import T_, moment_param
from ..models import Event, Item, utcnow
from ..schemas.outputs import dump_item
from .common import lock_board
from .unit_of_work import unit_of_work


def _reminder_horizon(now, tz=DEFAULT_TZ):
    """Local midnight at the end of tomorrow, in UTC: items due before it are reminded."""
    zone = ZoneInfo(tz)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow + timedelta(days=1), time(), tzinfo=zone)


def remind_due(now=None, tz=DEFAULT_TZ):
    """Remind the author and assignees of every item due by the end of tomorrow or
    overdue, once per due date. Returns how many items were reminded."""
    now = now or utcnow()
    horizon = _reminder_horizon(now, tz)
    items = list(db.session.scalars(
        select(Item).where(Item.deleted.is_(False), Item.state.not_in(DUE_DONE_STATES),
                           Item.due_at.is_not(None), Item.due_at < horizon)
        .options(selectinload(Item.assignees), joinedload(Item.author)).order_by(Item.id)))
    if not items:
        return 0
    done = {(e.item_id, (e.payload or {}).get("due_at")) for e in db.session.scalars(
        select(Event).where(Event.type == ITEM_DUE_REMINDED, Event.item_id.in_([i.id for i in items])))}
    reminded = 0
    for item in items:
        if (item.id, item.due_at.isoformat()) in done:
            continue
        lock_board(item.group_id)  # the item's writers wait; read it again under the lock
        db.session.refresh(item)
        if item.deleted or item.state in DUE_DONE_STATES or item.due_at is None or item.due_at >= horizon:
            db.session.rollback()
            continue
        overdue = item.due_at <= now
        recipients = list(dict.fromkeys([item.author_id, *(u.id for u in item.assignees if u.active)]))
        title = (T_("Overdue: “%(title)s”", title=item.title) if overdue
                 else T_("Due soon: “%(title)s”", title=item.title))
        body = (T_("It was to be ready by %(when)s.", when=moment_param(item.due_at)) if overdue
                else T_("It is to be ready by %(when)s.", when=moment_param(item.due_at)))
        with unit_of_work() as uow:
            event = uow.record(ITEM_DUE_REMINDED, actor_user=None, group_id=item.group_id, item=item, payload={
                "item": dump_item(item), "due_at": item.due_at.isoformat(), "overdue": overdue,
                "recipients": recipients, "message": {"title": title, "body": [body]}})
            event.created_at = now
        reminded += 1
    return reminded
