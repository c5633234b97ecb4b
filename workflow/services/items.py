"""Item content use cases: propose, edit, trash, restore — and the helpers of ranks,
channels, labels and assignees they share with ``services.workflow`` (every state change)."""

from sqlalchemy import and_, func, or_, select, update

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.events import COLUMN_REBALANCED
from ..domain.errors import N_, Conflict, Invalid, NotFound, Text
from ..domain.ranking import initial_ranks, rank_between
from ..extensions import db
from ..models import Channel, Group, Item, Label, Membership, User, utcnow
from ..schemas.outputs import dump_item
from .common import actor_for, load_item, lock_board, require_user
from .unit_of_work import unit_of_work

CREATED = "item.created"
UPDATED = "item.updated"
MOVED = "item.moved"
TRANSITIONED = "item.transitioned"
SCHEDULED_EVENT = "item.scheduled"
PUBLISHED_EVENT = "item.published"
DELETED = "item.deleted"
RESTORED = "item.restored"
REVIEWED = "review.created"

EDITABLE_FIELDS = ("title", "summary", "body", "resource_type", "resource_url", "audience",
                   "channel", "labels", "assignees", "licence_end")


# ---------------------------------------------------------------- helpers

def check_version(item, expected_version):
    if expected_version is not None and expected_version != item.version:
        raise Conflict(
            N_("This item was changed since you read it (your version %(yours)s, current version %(current)s)."),
            params={"yours": expected_version, "current": item.version}, current=dump_item(item),
        )


def resolve_channel(ref):
    if ref is None:
        return None
    if isinstance(ref, int):
        channel = db.session.get(Channel, ref) if 0 < ref < 2**63 else None
    else:
        channel = db.session.scalar(select(Channel).where(Channel.slug == ref))
    if channel is None:
        raise Invalid(N_("No channel '%(channel)s'."), params={"channel": ref},
                      errors={"channel": [Text(N_("Unknown channel '%(channel)s'."), {"channel": ref})]})
    return channel


def _resolve_labels(group_id, names):
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        return []
    existing = {
        label.name: label
        for label in db.session.scalars(select(Label).where(Label.group_id == group_id, Label.name.in_(names)))
    }
    labels = []
    for name in names:
        label = existing.get(name)
        if label is None:
            label = Label(group_id=group_id, name=name)
            db.session.add(label)
        labels.append(label)
    return labels


def _resolve_assignees(group_id, usernames):
    usernames = list(dict.fromkeys(usernames))
    if not usernames:
        return []
    users = list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, User.username.in_(usernames), User.active.is_(True))
    ))
    found = {u.username for u in users}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise Invalid(
            N_("Assignees must be active members of the group."),
            errors={"assignees": [Text(N_("Not a member of this group: %(usernames)s."),
                                    {"usernames": ", ".join(missing)})]},
        )
    return sorted(users, key=lambda u: u.username)


def _column_query(group_id, state, exclude_id=None):
    q = select(Item.id, Item.rank).where(
        Item.group_id == group_id, Item.state == state, Item.deleted.is_(False))
    if exclude_id is not None:
        q = q.where(Item.id != exclude_id)
    return q


# A rank longer than this makes the column renumbered (rebalanced) instead of
# growing: 2,000 drops into one gap keep every rank short.
MAX_RANK_LENGTH = 24
REBALANCED = COLUMN_REBALANCED


def _last_rank(group_id, state, exclude_id=None):
    return db.session.scalar(
        select(func.max(Item.rank)).where(
            Item.group_id == group_id, Item.state == state, Item.deleted.is_(False),
            *([Item.id != exclude_id] if exclude_id else [])))


def rank_at_end(uow, user, item, state):
    """The rank that puts ``item`` at the end of the ``state`` column of its group."""
    return fit_rank(uow, user, item, state, _last_rank(item.group_id, state, exclude_id=item.id), None)


def _anchor(item, state, anchor_id, field):
    anchor = db.session.get(Item, anchor_id) if 0 < anchor_id < 2**63 else None
    if anchor is None or anchor.group_id != item.group_id or anchor.deleted or anchor.id == item.id:
        raise Invalid(N_("No card %(id)s on this board to place against."), params={"id": anchor_id},
                      errors={field: [N_("Must be another card of the same board.")]})
    if anchor.state != state:
        raise Invalid(N_("Card %(id)s is not in the '%(column)s' column."),
                      params={"id": anchor_id, "column": st.state_name(state)},
                      errors={field: [Text(N_("Must be a card of the '%(column)s' column."),
                                           {"column": st.state_name(state)})]})
    return anchor


def neighbours(item, state, before_id=None, after_id=None):
    """The ranks ``item`` must fit between to sit just before ``before_id`` or just
    after ``after_id`` in the ``state`` column (None: the column's start or end)."""
    base = _column_query(item.group_id, state, exclude_id=item.id)
    if before_id is not None:
        anchor = _anchor(item, state, before_id, "before_id")
        neighbour = db.session.execute(
            base.where(or_(Item.rank < anchor.rank, and_(Item.rank == anchor.rank, Item.id < anchor.id)))
            .order_by(Item.rank.desc(), Item.id.desc()).limit(1)).first()
        return (neighbour.rank if neighbour else None), anchor.rank
    anchor = _anchor(item, state, after_id, "after_id")
    neighbour = db.session.execute(
        base.where(or_(Item.rank > anchor.rank, and_(Item.rank == anchor.rank, Item.id > anchor.id)))
        .order_by(Item.rank, Item.id).limit(1)).first()
    return anchor.rank, (neighbour.rank if neighbour else None)


def fit_rank(uow, user, item, state, low, high, before_id=None, after_id=None):
    """A rank strictly between ``low`` and ``high``; when none fits short enough
    (two cards share a rank, or the gap is worn out), the column is rebalanced."""
    if low is None or high is None or low < high:
        try:
            rank = rank_between(low, high)
        except ValueError:
            rank = None
        if rank is not None and len(rank) <= MAX_RANK_LENGTH:
            return rank
    return _rebalance(uow, user, item, state, before_id=before_id, after_id=after_id)


def _rebalance(uow, user, item, state, before_id=None, after_id=None):
    """Renumber the ``state`` column with evenly spread short ranks, ``item`` placed
    before ``before_id``, after ``after_id`` or at the end, and announce the other
    cards' new ranks with one ``column.rebalanced`` event (their versions do not
    change: a rank is a place, not an edit). Returns ``item``'s rank."""
    ids = [row.id for row in db.session.execute(
        _column_query(item.group_id, state, exclude_id=item.id).order_by(Item.rank, Item.id))]
    if before_id is not None:
        index = ids.index(before_id)
    elif after_id is not None:
        index = ids.index(after_id) + 1
    else:
        index = len(ids)
    ids.insert(index, item.id)
    ranks = dict(zip(ids, initial_ranks(len(ids)), strict=False))
    mine = ranks.pop(item.id)
    for item_id, rank in ranks.items():
        db.session.execute(update(Item).where(Item.id == item_id).values(rank=rank)
                           .execution_options(synchronize_session=False))
    uow.record(REBALANCED, actor_user=user, group_id=item.group_id,
               payload={"state": state, "ranks": {str(i): r for i, r in ranks.items()}})
    return mine


def item_payload(item, **extra):
    db.session.flush()
    return {"item": dump_item(item), **extra}


# ---------------------------------------------------------------- use cases

def create_item(user, group_id, data):
    """Propose a new item in ``group_id``; it starts ``proposed`` at the end of
    its column. Raises NotFound (group invisible), Forbidden, Invalid."""
    require_user(user)
    group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
    if group is None:
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    actor = actor_for(user, group.id)
    perm.require(actor, perm.CREATE_ITEM)
    lock_board(group.id)  # the end of the column is this card's alone until the commit
    with unit_of_work() as uow:
        item = Item(
            group_id=group.id,
            author_id=user.id,
            title=data["title"],
            summary=data.get("summary", ""),
            body=data.get("body", ""),
            resource_type=data["resource_type"],
            resource_url=data.get("resource_url"),
            audience=data.get("audience", ""),
            channel=resolve_channel(data.get("channel")),
            state=st.PROPOSED,
            rank="",
        )
        item.rank = rank_at_end(uow, user, item, st.PROPOSED)
        item.labels = _resolve_labels(group.id, data.get("labels", []))
        item.assignees = _resolve_assignees(group.id, data.get("assignees", []))
        db.session.add(item)
        db.session.flush()
        uow.record(CREATED, actor_user=user, group_id=group.id, item=item, payload=item_payload(item))
    return item


def update_item(user, item_id, changes, expected_version):
    """Edit an item's fields. ``expected_version`` is the version the editor
    read; a stale one raises Conflict carrying the current item. A content edit
    of an approved/scheduled item by a non-lead sends it back to review.
    Raises NotFound, Forbidden, Conflict, Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.EDIT_ITEM)
    check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it before editing."))
    if item.state not in st.EDITABLE_STATES:
        raise Conflict(N_("An item that is '%(state)s' can no longer be edited."),
                       params={"state": st.state_name(item.state)})
    with unit_of_work() as uow:
        changed = {}
        for name in EDITABLE_FIELDS:
            if name not in changes:
                continue
            value = changes[name]
            if name == "channel":
                channel = resolve_channel(value)
                if channel != item.channel:
                    changed[name] = {"from": item.channel.slug if item.channel else None,
                                     "to": channel.slug if channel else None}
                    item.channel = channel
            elif name == "labels":
                labels = _resolve_labels(item.group_id, value)
                before = [lb.name for lb in item.labels]
                if [lb.name for lb in labels] != before:
                    changed[name] = {"from": before, "to": [lb.name for lb in labels]}
                    item.labels = labels
            elif name == "assignees":
                users = _resolve_assignees(item.group_id, value)
                before = [u.username for u in item.assignees]
                if [u.username for u in users] != before:
                    changed[name] = {"from": before, "to": [u.username for u in users]}
                    item.assignees = users
            elif getattr(item, name) != value:
                changed[name] = {"from": getattr(item, name), "to": value}
                setattr(item, name, value)
        if not changed:
            return item
        sent_back = st.edit_sends_back_to_review(item.state, changed, actor)
        previous_state = item.state
        if sent_back:
            item.state = st.decide(item.state, st.SEND_BACK, actor, is_author=item.author_id == user.id)
            item.scheduled_at = None
            item.review_round = (item.review_round or 0) + 1
            item.submitted_at = utcnow()
            item.rank = rank_at_end(uow, user, item, st.IN_REVIEW)
        item.updated_at = utcnow()
        uow.record(UPDATED, actor_user=user, group_id=item.group_id, item=item,
                   payload=item_payload(item, changes=_short(changed), sent_back_to_review=sent_back,
                                         **({"from": previous_state, "to": item.state} if sent_back else {})))
    return item


def _short(changed):
    # Bodies can be 50,000 characters: the event says that it changed, not both texts.
    out = {}
    for name, change in changed.items():
        if name == "body":
            out[name] = {"changed": True}
        elif name == "licence_end":  # a date: the event log is JSON
            out[name] = {k: v.isoformat() if v else None for k, v in change.items()}
        else:
            out[name] = change
    return out


def delete_item(user, item_id, expected_version=None):
    """Move an item to the trash (nothing is hard-deleted). Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.DELETE_ITEM, is_author=item.author_id == user.id)
    check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is already in the trash."))
    with unit_of_work() as uow:
        item.deleted = True
        item.updated_at = utcnow()
        uow.record(DELETED, actor_user=user, group_id=item.group_id, item=item, payload=item_payload(item))
    return item


def restore_item(user, item_id):
    """Bring an item back from the trash, at the end of its column. Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.RESTORE_ITEM, is_author=item.author_id == user.id)
    if not item.deleted:
        raise Conflict(N_("This item is not in the trash."))
    with unit_of_work() as uow:
        item.deleted = False
        item.rank = rank_at_end(uow, user, item, item.state)
        item.updated_at = utcnow()
        uow.record(RESTORED, actor_user=user, group_id=item.group_id, item=item, payload=item_payload(item))
    return item


