"""A board's columns as its leads set them: the WIP (work in progress) limit of each.

A limit is a warning, never a block (Kanban practice: the team sees a column is over
its limit and swarms on it; refusing the move would only hide the work elsewhere):
moves and transitions into a column over its limit still happen, the board marks the
column and the page warns the person who moved the card (README, "WIP limits").

Who may set one: the group's leads, coordinators and admins (``SET_WIP_LIMITS``);
an agent gets Forbidden, an outsider NotFound. Each change is one unit of work with
one ``column.wip_limit_changed`` event, so every open board shows the new limit.
"""
from sqlalchemy import func, select

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.errors import N_, Invalid, NotFound, Text
from ..domain.events import COLUMN_WIP_LIMIT_CHANGED
from ..extensions import db
from ..models import Group, Item
from ..schemas.tasks import MAX_WIP_LIMIT
from .common import actor_for, lock_board, require_user
from .unit_of_work import unit_of_work


def _count(group_id, state):
    return db.session.scalar(select(func.count(Item.id)).where(
        Item.group_id == group_id, Item.state == state, Item.deleted.is_(False))) or 0


def column_limit(group, state):
    """``{group_id, state, wip_limit, count, over_limit}`` of one column."""
    limit = (group.wip_limits or {}).get(state)
    count = _count(group.id, state)
    return {"group_id": group.id, "state": state, "wip_limit": limit, "count": count,
            "over_limit": bool(limit) and count > limit}


def set_wip_limit(user, group_id, state, limit):
    """Set (1…``MAX_WIP_LIMIT``) or remove (None) the WIP limit of the ``state`` column.
    Returns the column as ``column_limit`` shows it. Raises NotFound, Forbidden, Invalid."""
    require_user(user)
    group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
    if group is None:
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    actor = actor_for(user, group.id)
    perm.require(actor, perm.SET_WIP_LIMITS)
    if state not in st.STATES:
        raise Invalid(N_("No column '%(state)s' on a board."), params={"state": state},
                      errors={"state": [Text(N_("Must be one of: %(choices)s."), {"choices": ", ".join(st.STATES)})]})
    if limit is not None and not (isinstance(limit, int) and 1 <= limit <= MAX_WIP_LIMIT):
        raise Invalid(N_("A limit is a number of cards from 1 to %(max)s, or null for none."),
                      params={"max": MAX_WIP_LIMIT},
                      errors={"wip_limit": [Text(N_("Must be from 1 to %(max)s, or null."), {"max": MAX_WIP_LIMIT})]})
    lock_board(group.id)
    db.session.refresh(group)
    limits = dict(group.wip_limits or {})
    previous = limits.get(state)
    if previous == limit:
        return column_limit(group, state)
    with unit_of_work() as uow:
        if limit is None:
            limits.pop(state, None)
        else:
            limits[state] = limit
        group.wip_limits = limits  # a new dict: the JSON column sees the change
        column = column_limit(group, state)
        uow.record(COLUMN_WIP_LIMIT_CHANGED, actor_user=user, group_id=group.id,
                   payload={**column, "previous": previous})
    return column
