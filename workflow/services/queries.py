"""Read side: the queries behind pages and API lists, each built in one place
and eager-loading what is shown, so a page costs a fixed number of queries."""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, joinedload

from ..domain import states as st
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Event, Group, Item, Membership, Review, utcnow
from .common import actor_for, load_item, require_user, visible_group_ids


def item_load_options():
    return (
        joinedload(Item.author),
        joinedload(Item.channel),
        selectinload(Item.labels),
        selectinload(Item.assignees),
    )


def groups_for(user):
    """The groups the user may see, with the user's role in each."""
    ids = visible_group_ids(user)
    q = select(Group).order_by(Group.name)
    if ids is not None:
        q = q.where(Group.id.in_(ids))
    groups = list(db.session.scalars(q))
    roles = dict(db.session.execute(
        select(Membership.group_id, Membership.role).where(Membership.user_id == user.id)).all())
    for g in groups:
        g.role = roles.get(g.id)
    return groups


def get_group(user, group_id):
    require_user(user)
    group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
    if group is None:
        raise NotFound(f"No group {group_id}.")
    actor = actor_for(user, group.id)
    if not actor.can_see_group():
        raise NotFound(f"No group {group_id}.")
    group.role = actor.group_role
    return group, actor


def board(user, group_id, *, include_hidden=False, now=None, published_days=30):
    """The board of a group: columns in workflow order, cards in rank order.
    Published cards are those of the last ``published_days`` days; rejected,
    archived and trashed cards only with ``include_hidden``."""
    group, actor = get_group(user, group_id)
    now = now or utcnow()
    q = select(Item).where(Item.group_id == group.id).options(*item_load_options())
    if not include_hidden:
        q = q.where(Item.deleted.is_(False), Item.state.in_(st.BOARD_COLUMNS))
    items = list(db.session.scalars(q.order_by(Item.rank, Item.id)))
    cutoff = now - timedelta(days=published_days)
    columns = {s: [] for s in (st.STATES if include_hidden else st.BOARD_COLUMNS)}
    trash = []
    for item in items:
        if item.deleted:
            trash.append(item)
            continue
        if item.state == st.PUBLISHED and not include_hidden and (item.published_at or item.updated_at) < cutoff:
            continue
        columns[item.state].append(item)
    last_event_id = db.session.scalar(select(func.max(Event.id)).where(Event.group_id == group.id)) or 0
    limits = group.wip_limits or {}
    out = []
    for state, cards in columns.items():
        limit = limits.get(state)
        out.append({"state": state, "count": len(cards), "wip_limit": limit,
                    "over_limit": bool(limit) and len(cards) > limit, "items": cards})
    if include_hidden:
        out.append({"state": "trash", "count": len(trash), "wip_limit": None, "over_limit": False,
                    "items": trash})
    return {"group": group, "actor": actor, "columns": out, "last_event_id": last_event_id}


def item_detail(user, item_id):
    item, actor = load_item(user, item_id)
    return item, actor


def history(user, item_id):
    """The item's events, oldest first."""
    item, _ = load_item(user, item_id)
    return list(db.session.scalars(
        select(Event).where(Event.item_id == item.id).options(joinedload(Event.actor)).order_by(Event.id)))


def reviews_of(user, item_id):
    item, _ = load_item(user, item_id)
    return list(db.session.scalars(
        select(Review).where(Review.item_id == item.id).options(joinedload(Review.reviewer)).order_by(Review.id)))


def events_since(user, since=0, group_id=None, limit=200):
    """Events the user may see with id > since, oldest first, at most ``limit``;
    the second value says whether more follow."""
    ids = visible_group_ids(user)
    q = select(Event).where(Event.id > since).options(joinedload(Event.actor))
    if group_id is not None:
        if ids is not None and group_id not in ids:
            raise NotFound(f"No group {group_id}.")
        q = q.where(Event.group_id == group_id)
    elif ids is not None:
        q = q.where(Event.group_id.in_(ids))
    rows = list(db.session.scalars(q.order_by(Event.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
