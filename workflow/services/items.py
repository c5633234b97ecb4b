"""Item content use cases: propose, edit, trash, restore — and the helpers of ranks,
channels, labels and assignees they share with ``services.workflow`` (every state change)."""

from flask_babel import gettext
from sqlalchemy import and_, func, or_, select, update

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.events import COLUMN_REBALANCED
from ..domain.errors import N_, Conflict, Invalid, NotFound, Text
from ..domain.ranking import initial_ranks, rank_between
from ..extensions import db
from ..models import Attachment, Channel, Group, Item, Membership, User, utcnow
from ..schemas.outputs import dump_item
from .common import actor_for, load_item, lock_board, require_user
from .labels import resolve_labels
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
                   "channel", "labels", "assignees", "licence_end", "due_at", "cover_attachment_id")


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
        item.labels = resolve_labels(actor, group.id, data.get("labels", []))
        item.due_at = data.get("due_at")
        item.assignees = _resolve_assignees(group.id, data.get("assignees", []))
        db.session.add(item)
        db.session.flush()
        uow.record(CREATED, actor_user=user, group_id=group.id, item=item, payload=item_payload(item))
    return item


def update_item(user, item_id, changes, expected_version):
    """Edit an item's fields. ``expected_version`` is the version the editor
    read; a stale one raises Conflict carrying the current item. A content edit
    (``domain.states.CONTENT_FIELDS``) of an approved/scheduled item, by anyone,
    sends it back to review; a scheduled one holds its slot until re-approved.
    Raises NotFound, Forbidden, Conflict, Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.EDIT_ITEM)
    check_version(item, expected_version)
    check_editable(item, actor)
    with unit_of_work() as uow:
        apply_edit(uow, user, item, changes, actor)
    return item


def check_editable(item, actor):
    """Whether ``actor`` may edit ``item`` now. Raises NotFound, Forbidden, Conflict (trashed, closed)."""
    perm.require(actor, perm.EDIT_ITEM)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it before editing."), rule="trash")
    if item.state not in st.EDITABLE_STATES:
        raise Conflict(N_("An item that is '%(state)s' can no longer be edited."),
                       params={"state": st.state_name(item.state)}, rule="state")


def apply_edit(uow, user, item, changes, actor):
    """Change ``item``'s fields (``EDITABLE_FIELDS`` of ``changes``) inside ``uow`` and record one
    ``item.updated`` event; nothing when no value differs. Returns the changes ({name: {from, to}}).
    Raises Invalid (unknown channel or label, non-member assignee, foreign cover), Forbidden (a new
    label the actor may not create)."""
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
            labels = resolve_labels(actor, item.group_id, value)
            if sorted(lb.id or 0 for lb in labels) != sorted(lb.id for lb in item.labels) or \
                    any(lb.id is None for lb in labels):
                changed[name] = {"from": [lb.name for lb in item.labels], "to": [lb.name for lb in labels]}
                item.labels = labels
        elif name == "assignees":
            users = _resolve_assignees(item.group_id, value)
            before = [u.username for u in item.assignees]
            if [u.username for u in users] != before:
                changed[name] = {"from": before, "to": [u.username for u in users]}
                item.assignees = users
        elif name == "cover_attachment_id" and check_cover(item, value) != item.cover_attachment_id:
            changed[name] = {"from": item.cover_attachment_id, "to": value}
            item.cover_attachment_id = value
        elif name != "cover_attachment_id" and getattr(item, name) != value:
            changed[name] = {"from": getattr(item, name), "to": value}
            setattr(item, name, value)
    if not changed:
        return changed
    previous_state = item.state
    sent_back = send_back_if_content(uow, user, item, changed)
    item.updated_at = utcnow()
    uow.record(UPDATED, actor_user=user, group_id=item.group_id, item=item,
               payload=item_payload(item, changes=_short(changed), sent_back_to_review=sent_back,
                                     **({"from": previous_state, "to": item.state} if sent_back else {})))
    return changed


def send_back_if_content(uow, user, item, changed_fields):
    """The domain's rule for edits after approval, for every door that changes content
    (the form's fields, attachments): a content change of an approved or scheduled item
    by anyone (author, lead, coordinator) sends it back to review, a scheduled one holding its slot. Returns
    whether it did. Runs inside the caller's unit of work, under the board's lock."""
    with db.session.no_autoflush:  # reading the actor must not flush the edit in progress (a second version)
        actor = actor_for(user, item.group_id)
    if not st.edit_sends_back_to_review(item.state, changed_fields, actor):
        return False
    if st.holds_slot_when_sent_back(item.state):
        item.held_slot_at = item.scheduled_at  # the calendar keeps it, pending
    item.state = st.decide(item.state, st.SEND_BACK, actor, is_author=item.author_id == user.id)
    item.scheduled_at = None
    item.review_round = (item.review_round or 0) + 1
    item.submitted_at = utcnow()
    item.rank = rank_at_end(uow, user, item, st.IN_REVIEW)
    return True


def check_cover(item, attachment_id):
    """The cover ``item`` may take: None, or the id of one of its image attachments.
    Raises Invalid (update_item calls it for ``cover_attachment_id``)."""
    if attachment_id is None:
        return None
    attachment = db.session.get(Attachment, attachment_id) if 0 < attachment_id < 2**63 else None
    if attachment is None or attachment.item_id != item.id or attachment.cover_key is None:
        raise Invalid(N_("The cover must be an image attached to this item."),
                      errors={"cover_attachment_id": [N_("Not an image attached to this item.")]})
    return attachment.id



def _short(changed):
    # Bodies can be 50,000 characters: the event says that it changed, not both texts.
    out = {}
    for name, change in changed.items():
        if name == "body":
            out[name] = {"changed": True}
        elif name in ("licence_end", "due_at"):  # a date, a moment: the event log is JSON
            out[name] = {k: v.isoformat() if v else None for k, v in change.items()}
        else:
            out[name] = change
    return out


def delete_item(user, item_id, expected_version=None):
    """Move an item to the trash (nothing is hard-deleted): a lead, coordinator or admin any
    item of their groups, its author her own proposal. Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    check_trash(user, item, actor)
    check_version(item, expected_version)
    with unit_of_work() as uow:
        apply_trash(uow, user, item)
    return item


def check_trash(user, item, actor):
    """Whether ``user`` may trash ``item`` now. Raises NotFound, Forbidden, Conflict (already there)."""
    perm.require_trash(actor, perm.DELETE_ITEM, is_author=item.author_id == user.id, state=item.state)
    if item.deleted:
        raise Conflict(N_("This item is already in the trash."), rule="trash")


def apply_trash(uow, user, item):
    item.deleted = True
    item.updated_at = utcnow()
    uow.record(DELETED, actor_user=user, group_id=item.group_id, item=item, payload=item_payload(item))


def restore_item(user, item_id):
    """Bring an item back from the trash, at the end of its column (the same people as may trash
    it). Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    check_restore(user, item, actor)
    with unit_of_work() as uow:
        apply_restore(uow, user, item)
    return item


def check_restore(user, item, actor):
    """Whether ``user`` may restore ``item`` now. Raises NotFound, Forbidden, Conflict (not in the trash)."""
    perm.require_trash(actor, perm.RESTORE_ITEM, is_author=item.author_id == user.id, state=item.state)
    if not item.deleted:
        raise Conflict(N_("This item is not in the trash."), rule="trash")


def apply_restore(uow, user, item):
    item.deleted = False
    item.rank = rank_at_end(uow, user, item, item.state)
    item.updated_at = utcnow()
    uow.record(RESTORED, actor_user=user, group_id=item.group_id, item=item, payload=item_payload(item))


TITLE_LENGTH = Item.title.type.length


def copy_title(title):
    """« Copie de … » / "Copy of …", in the language of the person duplicating, cut to fit."""
    text = gettext("Copy of %(title)s", title=title)
    return text if len(text) <= TITLE_LENGTH else text[:TITLE_LENGTH - 1] + "…"


def duplicate_item(user, item_id):
    """A copy of an item as a new proposal by ``user``, at the end of "proposed": its content
    (title « Copie de … », summary, body, resource, audience, channel, licence end), labels
    and attachments — new rows pointing at the same stored files, its cover among them —
    but none of its reviews, comments, claim or schedule. Raises NotFound, Forbidden
    (may not propose in its group), Conflict (in the trash)."""
    source, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.CREATE_ITEM)
    if source.deleted:
        raise Conflict(N_("This item is in the trash; restore it before duplicating it."), rule="trash")
    attachments = list(db.session.scalars(
        select(Attachment).where(Attachment.item_id == source.id).order_by(Attachment.id)))
    with unit_of_work() as uow:
        item = Item(group_id=source.group_id, author_id=user.id, title=copy_title(source.title),
                    summary=source.summary, body=source.body, resource_type=source.resource_type,
                    resource_url=source.resource_url, audience=source.audience, channel=source.channel,
                    licence_end=source.licence_end, state=st.PROPOSED, rank="")
        item.rank = rank_at_end(uow, user, item, st.PROPOSED)
        item.labels = list(source.labels)
        db.session.add(item)
        db.session.flush()
        now = utcnow()
        for original in attachments:
            copy = Attachment(item_id=item.id, uploader_id=user.id, filename=original.filename,
                              content_type=original.content_type, size=original.size,
                              storage_key=original.storage_key, thumbnail_key=original.thumbnail_key,
                              cover_key=original.cover_key, width=original.width, height=original.height,
                              created_at=now)
            db.session.add(copy)
            db.session.flush()
            if original.id == source.cover_attachment_id:
                item.cover_attachment_id = copy.id
        uow.record(CREATED, actor_user=user, group_id=item.group_id, item=item,
                   payload=item_payload(item, duplicated_from=source.id))
    return item
