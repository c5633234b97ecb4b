"""The read side of "Mon travail" (the home page and ``GET /api/v1/me/work``): each
person's work across their groups, in sections, and who must hear that it changed.

Sections, in this order (a section the person's roles never have is left out):

- ``to_rework``: their own proposals a lead sent back for changes, with the lead's
  latest comment;
- ``to_review`` (leads): items in review in the groups they lead, oldest first, the
  overdue ones marked with the review queue's rule (working days over the group's
  limit); never their own items, nor those whose current round they already approved;
- ``to_schedule`` (leads of their groups, coordinators and admins everywhere):
  approved items without a date;
- ``due``: their items and those assigned to them due within ``DUE_WITHIN`` or overdue;
- ``mentions`` and ``followed``: their unread notifications of those kinds.

A fixed number of queries whatever the number of items: ids first, one small query per
section, then every item shown loaded at once with what the API shows of it."""
from datetime import timedelta

from sqlalchemy import exists, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from ..domain import events as ev
from ..domain import reviews as rv
from ..domain import states as st
from ..domain.labels import DUE_DONE_STATES
from ..domain.roles import LEAD
from ..extensions import db
from ..models import Group, Item, Membership, Notification, Review, User, item_assignees, utcnow
from .common import network_holidays, require_user
from .notifications import dump_notification, work_changed
from .queries import item_load_options, leads_of_groups_query

TO_REWORK = "to_rework"
TO_REVIEW = "to_review"
TO_SCHEDULE = "to_schedule"
DUE = "due"
MENTIONS = "mentions"
FOLLOWED = "followed"
SECTIONS = (TO_REWORK, TO_REVIEW, TO_SCHEDULE, DUE, MENTIONS, FOLLOWED)
DUE_WITHIN = timedelta(days=7)
# Entries listed per section (the count says how many there are in all).
LIMIT = 100


def my_work(user, now=None):
    """``{section: {"count": n, "entries": [{"item": Item, "group": Group, ...}]}}`` in
    ``SECTIONS`` order, the sections the user's roles never have left out. Entries carry,
    besides the item: ``review`` (to_rework: comment, reviewer, created_at, round),
    ``waiting_since``/``waited_working_days``/``overdue``/``limit_days`` (to_review),
    ``overdue`` (due), ``notification`` (mentions, followed). Raises Unauthorized."""
    require_user(user)
    now = now or utcnow()
    roles = dict(db.session.execute(
        select(Membership.group_id, Membership.role).where(Membership.user_id == user.id)).all())
    network = bool(user.is_coordinator or user.is_admin)
    # The groups whose items reach this person: their own, or every group for the network's staff.
    scope = None if network else list(roles)
    led = [group_id for group_id, role in roles.items() if role == LEAD]
    rows = {TO_REWORK: _to_rework(user, scope)}
    if led:
        rows[TO_REVIEW] = _to_review(user, led, now)
    if led or network:
        rows[TO_SCHEDULE] = _to_schedule(None if network else led)
    rows[DUE] = _due(user, scope, now)
    rows[MENTIONS], rows[FOLLOWED] = _notifications(user, scope)
    shown = {item_id for section in rows.values() for item_id, _ in section[:LIMIT]}
    items = {}
    if shown:
        items = {item.id: item for item in db.session.scalars(
            select(Item).where(Item.id.in_(shown)).options(*item_load_options(), joinedload(Item.group)))}
    out = {}
    for key in SECTIONS:
        if key not in rows:
            continue
        entries = [{"item": items[item_id], "group": items[item_id].group, **extra}
                   for item_id, extra in rows[key][:LIMIT] if item_id in items]
        out[key] = {"count": len(rows[key]), "entries": entries}
    return out


def _in_scope(query, scope):
    return query if scope is None else query.where(Item.group_id.in_(scope))


def _to_rework(user, scope):
    """The user's proposals whose latest review asked for changes, the latest sent back first."""
    mine = select(Item.id).where(Item.author_id == user.id, Item.state == st.PROPOSED, Item.deleted.is_(False))
    latest = (select(Review.item_id, func.max(Review.id).label("review_id"))
              .where(Review.item_id.in_(_in_scope(mine, scope))).group_by(Review.item_id).subquery())
    reviewer = aliased(User)
    rows = db.session.execute(
        select(latest.c.item_id, Review.comment, Review.created_at, Review.round,
               reviewer.id, reviewer.username, reviewer.display_name)
        .join(Review, Review.id == latest.c.review_id).join(reviewer, reviewer.id == Review.reviewer_id)
        .where(Review.decision == st.REQUEST_CHANGES)
        .order_by(Review.id.desc())).all()
    return [(r[0], {"review": {"comment": r[1], "created_at": r[2], "round": r[3],
                               "reviewer": {"id": r[4], "username": r[5], "display_name": r[6]}}})
            for r in rows]


def _to_review(user, led, now):
    """In-review items of the groups ``user`` leads, oldest submission first: not their own,
    nor those whose current round they already approved (another lead must give the second)."""
    approved_by_me = exists().where(Review.item_id == Item.id, Review.reviewer_id == user.id,
                                    Review.decision == st.APPROVE,
                                    Review.round == func.coalesce(Item.review_round, 1))
    since = func.coalesce(Item.submitted_at, Item.updated_at)
    rows = db.session.execute(
        select(Item.id, Item.submitted_at, Item.updated_at, Group.review_limit_days)
        .join(Group, Group.id == Item.group_id)
        .where(Item.group_id.in_(led), Item.state == st.IN_REVIEW, Item.deleted.is_(False),
               Item.author_id != user.id, ~approved_by_me)
        .order_by(since, Item.id)).all()
    holidays = network_holidays()
    out = []
    for item_id, submitted_at, updated_at, limit in rows:
        waiting_since = submitted_at or updated_at
        limit = limit or 3
        days = rv.working_days_between(waiting_since, now, holidays)
        out.append((item_id, {"waiting_since": waiting_since, "waited_working_days": days,
                              "overdue": days > limit, "limit_days": limit}))
    return out


def _to_schedule(group_ids):
    """Approved items without a date, approved longest ago first (``group_ids`` None: every group)."""
    query = select(Item.id).where(Item.state == st.APPROVED, Item.scheduled_at.is_(None), Item.deleted.is_(False))
    if group_ids is not None:
        query = query.where(Item.group_id.in_(group_ids))
    return [(item_id, {}) for item_id in db.session.scalars(query.order_by(Item.updated_at, Item.id))]


def _due(user, scope, now):
    """The user's items and those assigned to them, not yet done, due before ``now + DUE_WITHIN``
    (overdue ones included), soonest first."""
    assigned = select(item_assignees.c.item_id).where(item_assignees.c.user_id == user.id)
    query = select(Item.id, Item.due_at).where(
        or_(Item.author_id == user.id, Item.id.in_(assigned)), Item.deleted.is_(False),
        Item.state.not_in(DUE_DONE_STATES), Item.due_at.is_not(None), Item.due_at < now + DUE_WITHIN)
    rows = db.session.execute(_in_scope(query, scope).order_by(Item.due_at, Item.id)).all()
    return [(item_id, {"overdue": due_at <= now}) for item_id, due_at in rows]


def _notifications(user, scope):
    """The user's unread mentions and followed-item notifications, newest first, about items
    still on a board of a group they may see: two lists, in one query."""
    query = (select(Notification).join(Item, Item.id == Notification.item_id)
             .where(Notification.user_id == user.id, Notification.read_at.is_(None),
                    Notification.kind.in_((rv.MENTION, rv.FOLLOWED)), Item.deleted.is_(False))
             .options(joinedload(Notification.actor)).order_by(Notification.id.desc()))
    mentions, followed = [], []
    for note in db.session.scalars(_in_scope(query, scope)):
        (mentions if note.kind == rv.MENTION else followed).append((note.item_id, {"notification": dump_notification(note)}))
    return mentions, followed


# ---------------------------------------------------------------- live: who must refetch

# The events that may change a section of someone's work (a comment changes it through
# its mention's notification, a claim does not change it).
WORK_EVENT_TYPES = frozenset({
    ev.ITEM_CREATED, ev.ITEM_UPDATED, ev.ITEM_MOVED, ev.ITEM_TRANSITIONED, ev.ITEM_SCHEDULED,
    ev.ITEM_PUBLISHED, ev.ITEM_DELETED, ev.ITEM_RESTORED, ev.ITEM_PURGED, ev.ITEM_LICENCE_EXPIRED,
    ev.REVIEW_CREATED,
})
# States whose items are in a lead's sections (to review, to schedule), and a coordinator's.
LEAD_STATES = frozenset({st.IN_REVIEW, st.APPROVED})
COORDINATOR_STATES = frozenset({st.APPROVED})
WORK_NOTIFICATION_KINDS = frozenset({rv.MENTION, rv.FOLLOWED})


def affected_people(messages, notified=None):
    """The ids of the people whose work the committed ``messages`` may change: each item's
    author and assignees (and those just unassigned), the group's leads when the item is or
    was in review or approved, the coordinators and admins when it is or was approved, and
    whoever got a mention or followed notification. At most one query."""
    people, groups_for_leads, usernames = set(), set(), set()
    coordinators = False
    for message in messages:
        if message.get("type") not in WORK_EVENT_TYPES:
            continue
        payload = message.get("payload") or {}
        item = payload.get("item") or {}
        if (item.get("author") or {}).get("id"):
            people.add(item["author"]["id"])
        people.update(a["id"] for a in item.get("assignees") or () if a.get("id"))
        removed = ((payload.get("changes") or {}).get("assignees") or {}).get("from")
        if isinstance(removed, list):
            usernames.update(name for name in removed if isinstance(name, str))
        states = {item.get("state"), payload.get("from"), payload.get("to")}
        if states & LEAD_STATES and message.get("group_id"):
            groups_for_leads.add(message["group_id"])
        coordinators = coordinators or bool(states & COORDINATOR_STATES)
    for note, user in getattr(notified, "notifications", None) or ():
        if note.kind in WORK_NOTIFICATION_KINDS:
            people.add(user.id)
    selects = []
    if groups_for_leads:
        selects.append(leads_of_groups_query(groups_for_leads))
    if coordinators:
        selects.append(select(User.id).where(or_(User.is_coordinator.is_(True), User.is_admin.is_(True)),
                                             User.active.is_(True)))
    if usernames:
        selects.append(select(User.id).where(User.username.in_(usernames)))
    if selects:
        people.update(db.session.scalars(union(*selects) if len(selects) > 1 else selects[0]))
    return people


def push_after_commit(messages, uow):
    """Bus handler, after commit: one ``work.changed`` to each affected person's room."""
    work_changed(affected_people(messages, uow.notified))
