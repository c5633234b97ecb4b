"""Read side: the queries behind pages and API lists, each built in one place
and eager-loading what is shown, so a page costs a fixed number of queries."""
from collections import namedtuple
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from ..domain import states as st
from ..domain.errors import N_, NotFound
from ..domain.roles import LEAD
from ..extensions import db
from ..models import (Channel, Event, Group, Item, Label, Membership, Review, User, item_assignees, item_labels,
                      utcnow)
from .common import actor_for, load_item, require_user, visible_group_ids


def last_event_id(group_id):
    """The id of the group's latest event (0 if none)."""
    return db.session.scalar(select(func.max(Event.id)).where(Event.group_id == group_id)) or 0


def board_head(group_id):
    """The seq of the board's latest committed event (0 if none): where a client's catch-up starts."""
    return db.session.scalar(select(Group.last_seq).where(Group.id == group_id)) or 0


def board_events_since(user, group_id, since_seq=0, limit=200):
    """The events of a board the user may see with ``seq > since_seq``, in seq
    (commit) order, at most ``limit``; then whether more follow, and the board's
    head. Raises NotFound for a group the user cannot see."""
    group, _ = get_group(user, group_id)
    head = board_head(group.id)
    rows = list(db.session.scalars(
        select(Event).where(Event.group_id == group.id, Event.seq > since_seq, Event.seq <= head)
        .options(joinedload(Event.actor)).order_by(Event.seq).limit(limit + 1)))
    return rows[:limit], len(rows) > limit, head


def groups_led_by_query(user):
    """The SELECT of the ids of the groups ``user`` leads, to use inside a bigger query."""
    return select(Membership.group_id).where(Membership.user_id == user.id, Membership.role == LEAD)


def groups_led_by(user):
    """The ids of the groups ``user`` leads (their lead memberships)."""
    return list(db.session.scalars(groups_led_by_query(user)))


def leads_any_group(user):
    """Whether ``user`` leads at least one group."""
    return db.session.scalar(groups_led_by_query(user).limit(1)) is not None


def channels_with_blackouts():
    """Every channel by name, its blackout dates loaded (the calendar shows them)."""
    return list(db.session.scalars(
        select(Channel).options(selectinload(Channel.blackout_dates)).order_by(Channel.name)))


def lead_ids(group_id):
    """The ids of the group's active leads."""
    return list(db.session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id, Membership.role == LEAD, User.active.is_(True))))


def group_members(group_id):
    """Active members of a group (username, display name, role), for assignee pickers and filters."""
    from ..models import User

    rows = db.session.execute(
        select(User.id, User.username, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, User.active.is_(True))
        .order_by(User.display_name)).all()
    return [{"id": r.id, "username": r.username, "display_name": r.display_name, "role": r.role} for r in rows]


def item_load_options():
    """Eager loads for lists of items. Labels and assignees come by subquery load:
    one query each however many items, where selectin loading sends one per 500."""
    return (
        joinedload(Item.author),
        joinedload(Item.channel),
        subqueryload(Item.labels),
        subqueryload(Item.assignees),
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
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    actor = actor_for(user, group.id)
    if not actor.can_see_group():
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    group.role = actor.group_role
    return group, actor


class Card:
    """A card as the board shows it: the item's columns as attributes, its author,
    channel, labels and assignees as small records. Read with plain SQL rows rather
    than ORM objects: a board of 1,000 cards is read-only, and building 1,000 mapped
    objects (identity map, relationship loaders) cost most of the board's time."""

    def __init__(self, values):
        self.__dict__.update(values)


# A person, a label, a channel as a card names them; one record per person or
# label, shared by every card that names it.
Person = namedtuple("Person", "id username display_name")
LabelRef = namedtuple("LabelRef", "name")
ChannelRef = namedtuple("ChannelRef", "id slug name")


def board_version(user, group_id):
    """What a board's freshness depends on — the group, the caller's view of it and
    the group's last event — for an ETag answered before any card is read."""
    group, actor = get_group(user, group_id)
    return group, actor, last_event_id(group.id)


def board_cutoff(now, published_days):
    """Published cards older than this leave the board. Rounded down to the hour so
    a board's content changes only with its events or the hour (see the ETag)."""
    return (now - timedelta(days=published_days)).replace(minute=0, second=0, microsecond=0)


def board(user, group_id, *, include_hidden=False, now=None, published_days=30, version=None):
    """The board of a group: columns in workflow order, cards in rank order.
    Published cards are those of the last ``published_days`` days; rejected,
    archived and trashed cards only with ``include_hidden``. A fixed number of
    queries whatever the number of cards; ``version`` is ``board_version``'s
    result when the caller already has it."""
    group, actor, last_id = version or board_version(user, group_id)
    now = now or utcnow()
    items = Item.__table__
    author, channel = User.__table__.alias("author"), Channel.__table__.alias("channel")
    where = [items.c.group_id == group.id]
    if not include_hidden:
        where += [items.c.deleted.is_(False), items.c.state.in_(st.BOARD_COLUMNS)]
    rows = db.session.execute(
        select(items, author.c.username.label("_author_username"),
               author.c.display_name.label("_author_display_name"),
               channel.c.slug.label("_channel_slug"), channel.c.name.label("_channel_name"))
        .join(author, author.c.id == items.c.author_id)
        .outerjoin(channel, channel.c.id == items.c.channel_id)
        .where(*where).order_by(items.c.rank, items.c.id)).mappings().all()
    labels, assignees, people, names = {}, {}, {}, {}
    for item_id, name in db.session.execute(
            select(item_labels.c.item_id, Label.name).join(Label, Label.id == item_labels.c.label_id)
            .join(items, items.c.id == item_labels.c.item_id).where(*where).order_by(Label.name)):
        label = names.get(name) or names.setdefault(name, LabelRef(name))
        labels.setdefault(item_id, []).append(label)
    for item_id, uid, username, display_name in db.session.execute(
            select(item_assignees.c.item_id, User.id, User.username, User.display_name)
            .join(User, User.id == item_assignees.c.user_id)
            .join(items, items.c.id == item_assignees.c.item_id).where(*where).order_by(User.username)):
        person = people.get(uid) or people.setdefault(uid, Person(uid, username, display_name))
        assignees.setdefault(item_id, []).append(person)
    cutoff = board_cutoff(now, published_days)
    columns = {s: [] for s in (st.STATES if include_hidden else st.BOARD_COLUMNS)}
    trash = []
    for row in rows:
        values = dict(row)
        uid, username, display_name = row["author_id"], values.pop("_author_username"), values.pop("_author_display_name")
        values["author"] = people.get(uid) or people.setdefault(uid, Person(uid, username, display_name))
        slug, name = values.pop("_channel_slug"), values.pop("_channel_name")
        values["channel"] = ChannelRef(row["channel_id"], slug, name) if row["channel_id"] else None
        values["labels"] = labels.get(row["id"], [])
        values["assignees"] = assignees.get(row["id"], [])
        card = Card(values)
        if card.deleted:
            trash.append(card)
            continue
        if card.state == st.PUBLISHED and not include_hidden and (card.published_at or card.updated_at) < cutoff:
            continue
        columns[card.state].append(card)
    limits = group.wip_limits or {}
    out = []
    for state, cards in columns.items():
        limit = limits.get(state)
        out.append({"state": state, "count": len(cards), "wip_limit": limit,
                    "over_limit": bool(limit) and len(cards) > limit, "items": cards})
    if include_hidden:
        out.append({"state": "trash", "count": len(trash), "wip_limit": None, "over_limit": False,
                    "items": trash})
    # ``seq`` was read with the group, before the cards: an event above it is newer
    # than the snapshot or already in it, and applying it again changes nothing.
    return {"group": group, "actor": actor, "columns": out, "last_event_id": last_id, "seq": group.last_seq or 0}


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
            raise NotFound(N_("No group %(id)s."), params={"id": group_id})
        q = q.where(Event.group_id == group_id)
    elif ids is not None:
        q = q.where(Event.group_id.in_(ids))
    rows = list(db.session.scalars(q.order_by(Event.id).limit(limit + 1)))
    return rows[:limit], len(rows) > limit
