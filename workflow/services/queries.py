"""Read side: the queries behind pages and API lists, each built in one place
and eager-loading what is shown, so a page costs a fixed number of queries."""
import unicodedata
from collections import namedtuple
from datetime import timedelta

from types import SimpleNamespace

from sqlalchemy import bindparam, func, literal, select, true, union_all
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from ..domain import states as st
from ..domain.errors import N_, NotFound
from ..domain.roles import LEAD
from ..extensions import db
from ..models import (Channel, Event, Group, Item, Label, Membership, Review, User, item_assignees, item_labels,
                      utcnow)
from ..domain.roles import Actor
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


def leads_of_groups_query(group_ids):
    """The SELECT of the ids of the leads of ``group_ids``, to use inside a bigger query."""
    return select(Membership.user_id).where(Membership.group_id.in_(group_ids), Membership.role == LEAD)


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


def _folded(text):
    """``text`` lower-cased without its accents: "Chloé" → "chloe"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def matching_members(user, group_id, q="", limit=10):
    """The active members of a group the user may see whose username, or a word of whose
    display name, starts with ``q`` (case and accents ignored: "ch" finds « Chloé
    Bernard »), by display name, at most ``limit``. Raises NotFound for a group the user
    cannot see (the same answer as for a group that does not exist)."""
    group, _ = get_group(user, group_id)
    wanted = _folded(q).strip().lstrip("@")
    out = []
    for member in group_members(group.id):
        words = [_folded(member["username"])] + _folded(member["display_name"]).replace("-", " ").split()
        if not wanted or any(word.startswith(wanted) for word in words):
            out.append(member)
    out.sort(key=lambda m: (_folded(m["display_name"]), m["username"]))
    return out[:limit]


def person(viewer, username):
    """``(user, groups)``: an active person by username, with the groups the viewer may
    see that the person belongs to (each with the person's role), by name. Raises
    NotFound when there is no such active person or the viewer shares no group with
    them (coordinators and admins see everyone)."""
    require_user(viewer)
    user = db.session.scalar(select(User).options(joinedload(User.library))
                             .where(func.lower(User.username) == (username or "").lower(), User.active.is_(True)))
    if user is None:
        raise NotFound(N_("No person %(username)s."), params={"username": username})
    visible = visible_group_ids(viewer)
    q = (select(Group, Membership.role).join(Membership, Membership.group_id == Group.id)
         .where(Membership.user_id == user.id).order_by(Group.name))
    if visible is not None:
        q = q.where(Group.id.in_(visible))
    groups = [(group, role) for group, role in db.session.execute(q)]
    if not groups and visible is not None and user.id != viewer.id:
        raise NotFound(N_("No person %(username)s."), params={"username": username})
    return user, groups


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
LabelRef = namedtuple("LabelRef", "id name color")
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
    labels, assignees, people, group_labels = {}, {}, {}, {}
    # Every label of the group (the filter and the panel offer them all), each with the
    # cards of this board that carry it: one query.
    links = (select(item_labels.c.item_id, item_labels.c.label_id)
             .join(items, items.c.id == item_labels.c.item_id).where(*where).subquery())
    for label_id, name, color, item_id in db.session.execute(
            select(Label.id, Label.name, Label.color, links.c.item_id)
            .outerjoin(links, links.c.label_id == Label.id)
            .where(Label.group_id == group.id).order_by(Label.name, Label.id)):
        label = group_labels.get(label_id) or group_labels.setdefault(label_id, LabelRef(label_id, name, color))
        if item_id is not None:
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
    return {"group": group, "actor": actor, "columns": out, "last_event_id": last_id, "seq": group.last_seq or 0,
            "labels": list(group_labels.values())}


# What an item's answer shows (ItemOut), read with the item in one query: the dump
# then triggers no lazy load (tests/integration/test_query_counts.py pins the count).
ITEM_SHOWN = (joinedload(Item.channel), joinedload(Item.author), joinedload(Item.labels),
              joinedload(Item.assignees))


def item_detail(user, item_id):
    """The item with what its answer shows, and the actor's view of its group.
    Raises NotFound."""
    item, actor = load_item(user, item_id, options=ITEM_SHOWN)
    return item, actor


def _item_read_statement():
    """The hot item read (GET /api/v1/items/<id>) in Core, built once (SQLAlchemy
    memoizes a statement's cache key, so each run skips the ORM's compile and load),
    one round trip: the item with its channel, its author and the caller's role in
    its group, on one row per label and assignee (or one row when it has neither)."""
    items, channels, authors = Item.__table__, Channel.__table__.alias("ch"), User.__table__.alias("au")
    members, labels, users = Membership.__table__, Label.__table__, User.__table__
    role = (select(members.c.role).where(members.c.user_id == bindparam("user_id"),
                                         members.c.group_id == items.c.group_id).scalar_subquery())
    # Labels by name, assignees by username, as the relationships order them.
    shown = union_all(
        select(literal(0).label("kind"), labels.c.name.label("sort"), labels.c.id.label("ref_id"),
               labels.c.name.label("ref_name"), labels.c.color.label("ref_extra"))
        .join_from(item_labels, labels, labels.c.id == item_labels.c.label_id)
        .where(item_labels.c.item_id == bindparam("item_id")),
        select(literal(1).label("kind"), users.c.username.label("sort"), users.c.id.label("ref_id"),
               users.c.username.label("ref_name"), users.c.display_name.label("ref_extra"))
        .join_from(item_assignees, users, users.c.id == item_assignees.c.user_id)
        .where(item_assignees.c.item_id == bindparam("item_id"))).subquery("shown")
    return (select(items, channels.c.slug.label("channel_slug"), channels.c.name.label("channel_name"),
                   authors.c.username.label("author_username"), authors.c.display_name.label("author_display_name"),
                   role.label("caller_role"), shown.c.kind, shown.c.ref_id, shown.c.ref_name, shown.c.ref_extra)
            .join_from(items, authors, authors.c.id == items.c.author_id)
            .outerjoin(channels, channels.c.id == items.c.channel_id)
            .outerjoin(shown, true())
            .where(items.c.id == bindparam("item_id"))
            .order_by(shown.c.kind, shown.c.sort))


_ITEM_READ = _item_read_statement()
_ITEM_KEYS = tuple(column.key for column in Item.__table__.c)


def _no_item(item_id):
    return NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})


def item_read(user, item_id):
    """The item as its answer shows it (the attributes ItemOut reads: columns, and
    ``channel``, ``author``, ``labels``, ``assignees`` as small records), for a
    caller who may see its group, in one query. Raises NotFound."""
    require_user(user)
    if not (isinstance(item_id, int) and 0 < item_id < 2**63):
        raise _no_item(item_id)
    rows = db.session.execute(_ITEM_READ, {"item_id": item_id, "user_id": user.id}).mappings().all()
    if not rows:
        raise _no_item(item_id)
    row = rows[0]
    actor = Actor(user_id=user.id, group_role=row["caller_role"], is_coordinator=bool(user.is_coordinator),
                  is_admin=bool(user.is_admin))
    if not actor.can_see_group():
        raise _no_item(item_id)
    labels, assignees = [], []
    for each in rows:
        if each["kind"] == 0:
            labels.append(LabelRef(each["ref_id"], each["ref_name"], each["ref_extra"]))
        elif each["kind"] == 1:
            assignees.append(Person(each["ref_id"], each["ref_name"], each["ref_extra"]))
    channel = (ChannelRef(row["channel_id"], row["channel_slug"], row["channel_name"])
               if row["channel_id"] is not None else None)
    return SimpleNamespace(**{key: row[key] for key in _ITEM_KEYS}, channel=channel, labels=labels,
                           author=Person(row["author_id"], row["author_username"], row["author_display_name"]),
                           assignees=assignees)


def profile(user):
    """The caller with what /me shows (library, memberships and their groups), read
    in one query."""
    require_user(user)
    return db.session.scalars(
        select(User).where(User.id == user.id)
        .options(joinedload(User.library), joinedload(User.memberships).joinedload(Membership.group))
        .execution_options(populate_existing=True)).unique().one()


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
