"""Item use cases: propose, edit, move, transition, schedule, publish, delete, restore."""
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.events import COLUMN_REBALANCED
from ..domain.errors import N_, Conflict, Invalid, NotFound, RuleBroken, Text
from ..domain.ranking import initial_ranks, rank_between
from ..domain.roles import SYSTEM_ACTOR
from ..domain.scheduling import ChannelRules, check_slot, local_day
from ..extensions import db
from ..models import Channel, Group, Item, Label, Membership, Review, User, utcnow
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

def _check_version(item, expected_version):
    if expected_version is not None and expected_version != item.version:
        raise Conflict(
            N_("This item was changed since you read it (your version %(yours)s, current version %(current)s)."),
            params={"yours": expected_version, "current": item.version}, current=dump_item(item),
        )


def _resolve_channel(ref):
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


def _rank_at_end(uow, user, item, state):
    """The rank that puts ``item`` at the end of the ``state`` column of its group."""
    return _fit(uow, user, item, state, _last_rank(item.group_id, state, exclude_id=item.id), None)


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


def _neighbours(item, state, before_id=None, after_id=None):
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


def _fit(uow, user, item, state, low, high, before_id=None, after_id=None):
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


def _item_payload(item, **extra):
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
            channel=_resolve_channel(data.get("channel")),
            state=st.PROPOSED,
            rank="",
        )
        item.rank = _rank_at_end(uow, user, item, st.PROPOSED)
        item.labels = _resolve_labels(group.id, data.get("labels", []))
        item.assignees = _resolve_assignees(group.id, data.get("assignees", []))
        db.session.add(item)
        db.session.flush()
        uow.record(CREATED, actor_user=user, group_id=group.id, item=item, payload=_item_payload(item))
    return item


def update_item(user, item_id, changes, expected_version):
    """Edit an item's fields. ``expected_version`` is the version the editor
    read; a stale one raises Conflict carrying the current item. A content edit
    of an approved/scheduled item by a non-lead sends it back to review.
    Raises NotFound, Forbidden, Conflict, Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.EDIT_ITEM)
    _check_version(item, expected_version)
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
                channel = _resolve_channel(value)
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
            item.rank = _rank_at_end(uow, user, item, st.IN_REVIEW)
        item.updated_at = utcnow()
        uow.record(UPDATED, actor_user=user, group_id=item.group_id, item=item,
                   payload=_item_payload(item, changes=_short(changed), sent_back_to_review=sent_back,
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


def _do_transition(uow, user, item, actor, action, target, comment, checklist=None, event_type=TRANSITIONED,
                   extra=None):
    """Apply an already decided transition to ``item`` inside ``uow``. A submit
    opens a new review round; a decision releases the claim, records a Review
    with a snapshot of the content (for the next round's diff) and, in a group
    needing two approvals, a first approval leaves the item in review."""
    from . import reviews as review_service

    previous = item.state
    required_approvals = 1
    if action == st.APPROVE:
        ticked = review_service.check_checklist(item, checklist)
        required_approvals = review_service.check_approvals(item, user)
        if required_approvals > 1 and review_service.approvals_in_round(item) + 1 < required_approvals:
            target = st.IN_REVIEW
            item.rank = review_service.rank_before_change(item)
    if action == st.SUBMIT:
        item.review_round = (item.review_round or 0) + 1
        item.submitted_at = utcnow()
        item.escalated_at = None
    if action in (st.SUBMIT, st.WITHDRAW, st.APPROVE, st.REQUEST_CHANGES, st.REJECT):
        item.claimed_by_id = None
        item.claimed_at = None
    if target == st.SCHEDULED:
        if item.channel is None or item.scheduled_at is None or item.scheduled_at <= utcnow():
            raise Invalid(
                N_("Scheduling needs a future publication time and a channel: use the schedule action."),
                errors={"scheduled_at": [N_("Set a future time and a channel with POST /items/<id>/schedule.")]})
    if action == st.UNSCHEDULE:
        item.scheduled_at = None
    if action == st.PUBLISH:
        item.published_at = utcnow()
    if action == st.ARCHIVE:
        item.archived_from = previous
    if action == st.UNARCHIVE:
        item.archived_from = None
    item.state = target
    item.updated_at = utcnow()
    review = None
    if action in (st.APPROVE, st.REQUEST_CHANGES, st.REJECT):
        decision = {v: k for k, v in st.REVIEW_DECISIONS.items()}[action]
        review = Review(item_id=item.id, reviewer_id=user.id, decision=decision,
                        comment=comment or "", item_version=item.version, round=max(1, item.review_round or 1),
                        snapshot=review_service.snapshot(item),
                        checklist=ticked if action == st.APPROVE else [])
        db.session.add(review)
        db.session.flush()
        uow.record(REVIEWED, actor_user=user, group_id=item.group_id, item=item,
                   payload=_item_payload(item, review=_review_dict(review, user), action=action,
                                         **{"from": previous, "to": target}, comment=comment or "",
                                         round=review.round, required_approvals=required_approvals,
                                         **(extra or {})))
    else:
        uow.record(event_type, actor_user=user, group_id=item.group_id, item=item,
                   payload=_item_payload(item, action=action, **{"from": previous, "to": target},
                                         comment=comment or "", **(extra or {})))
    return review


def _review_dict(review, user):
    return {"id": review.id, "decision": review.decision, "comment": review.comment,
            "item_version": review.item_version,
            "reviewer": {"id": user.id, "username": user.username, "display_name": user.display_name}}


def transition_item(user, item_id, to, comment=None, expected_version=None):
    """Move an item to state ``to`` through the state machine. Raises NotFound,
    Forbidden (not yours to make, four-eyes), Conflict (not allowed from here,
    stale version), Invalid (comment missing)."""
    item, actor = load_item(user, item_id, for_update=True)
    _check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    action, target = st.decide_target(item.state, to, actor, is_author=item.author_id == user.id,
                                      comment=comment, previous_state=item.archived_from)
    with unit_of_work() as uow:
        item.rank = _rank_at_end(uow, user, item, target)
        _do_transition(uow, user, item, actor, action, target, comment)
    return item


def review_item(user, item_id, decision, comment="", expected_version=None, checklist=None):
    """A lead's decision on an item in review: approve, request changes (comment
    required) or reject (reason required). Returns the Review. Raises NotFound,
    Forbidden (not a lead, own item), Conflict (not in review, stale), Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    _check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    action = st.REVIEW_DECISIONS[decision]
    perm.check_visible(actor)
    target = st.decide(item.state, action, actor, is_author=item.author_id == user.id, comment=comment)
    with unit_of_work() as uow:
        item.rank = _rank_at_end(uow, user, item, target)
        review = _do_transition(uow, user, item, actor, action, target, comment, checklist=checklist)
    return review


def _already_there(item, bounds):
    """Whether ``item`` already sits between the ``bounds`` a drop into its own column gave."""
    if bounds is None:
        return True  # no place asked for: it stays where it is
    low, high = bounds
    return (low is None or low < item.rank) and (high is None or item.rank < high)


def move_item(user, item_id, state=None, before_id=None, after_id=None, comment=None, expected_version=None):
    """Drag and drop: reorder a card inside its column and/or move it to another
    column (a workflow transition), in one call. Only the moved card's rank
    changes (unless its column is rebalanced, with its own event); a drop that
    changes nothing records nothing. Raises NotFound, Forbidden, Conflict, Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    _check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    target = state or item.state
    action = None
    if target != item.state:
        action, target = st.decide_target(item.state, target, actor, is_author=item.author_id == user.id,
                                          comment=comment, previous_state=item.archived_from)
    else:
        perm.require(actor, perm.MOVE_ITEM)
    placed = before_id is not None or after_id is not None
    bounds = _neighbours(item, target, before_id=before_id, after_id=after_id) if placed else None
    if action is None and _already_there(item, bounds):
        # A drop that changes nothing: no new version, no event for every open board.
        db.session.rollback()
        return item
    with unit_of_work() as uow:
        if placed:
            item.rank = _fit(uow, user, item, target, *bounds, before_id=before_id, after_id=after_id)
        elif action is not None:
            item.rank = _rank_at_end(uow, user, item, target)
        previous = item.state
        if action is not None:
            # A drop into another column is a transition recorded as one "item.moved"
            # (a review decision keeps its "review.created"), with the card's new place.
            # (The transition already stamps updated_at: stamping again would bump the version twice.)
            _do_transition(uow, user, item, actor, action, target, comment, event_type=MOVED,
                           extra={"moved": True})
        else:
            item.updated_at = utcnow()
            db.session.flush()
            uow.record(MOVED, actor_user=user, group_id=item.group_id, item=item,
                       payload=_item_payload(item, **{"from": previous, "to": target}))
    return item


def schedule_item(user, item_id, scheduled_at, channel_ref, expected_version=None, now=None):
    """Put an approved item (or reschedule a scheduled one) on the calendar at
    ``scheduled_at`` on a channel. Checks the scheduling rules (future time,
    channel capacity, blackout dates). Raises NotFound, Forbidden, Conflict,
    Invalid, RuleBroken (with the next free slot)."""
    item, actor = load_item(user, item_id, for_update=True)
    _check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    is_author = item.author_id == user.id
    if item.state == st.SCHEDULED:
        # Rescheduling: same rights as scheduling.
        st.decide(st.APPROVED, st.SCHEDULE, actor, is_author=is_author)
    else:
        st.decide(item.state, st.SCHEDULE, actor, is_author=is_author)
    channel = _resolve_channel(channel_ref)
    now = now or utcnow()
    _check_capacity(item, channel, scheduled_at, now)
    with unit_of_work() as uow:
        previous = item.state
        if previous == st.SCHEDULED and (item.scheduled_at != scheduled_at or item.channel_id != channel.id):
            # Calendar feeds (RFC 5545 SEQUENCE) tell clients this replaces the old time.
            item.schedule_sequence = (item.schedule_sequence or 0) + 1
        item.channel = channel
        item.scheduled_at = scheduled_at
        if previous != st.SCHEDULED:
            item.state = st.SCHEDULED
            item.rank = _rank_at_end(uow, user, item, st.SCHEDULED)
        item.updated_at = utcnow()
        uow.record(SCHEDULED_EVENT, actor_user=user, group_id=item.group_id, item=item,
                   payload=_item_payload(item, action=st.SCHEDULE, **{"from": previous, "to": st.SCHEDULED}))
    return item


def _check_capacity(item, channel, scheduled_at, now):
    window_start = scheduled_at - timedelta(days=2)
    window_end = scheduled_at + timedelta(days=2)
    times = db.session.scalars(
        select(Item.scheduled_at).where(
            Item.channel_id == channel.id, Item.state == st.SCHEDULED, Item.deleted.is_(False),
            Item.id != item.id, Item.scheduled_at >= window_start, Item.scheduled_at <= window_end))
    booked = {}
    for moment in times:
        day = local_day(moment)
        booked[day] = booked.get(day, 0) + 1
    rules = ChannelRules(channel.name, channel.daily_capacity, frozenset(b.day for b in channel.blackout_dates))
    try:
        check_slot(scheduled_at, now, rules, booked)
    except RuleBroken as exc:
        slot = exc.extra.get("next_free_slot")
        if slot:
            exc.add_sentence(N_("Next free slot: %(slot)s."), {"slot": datetime.fromisoformat(slot)})
        raise


def delete_item(user, item_id, expected_version=None):
    """Move an item to the trash (nothing is hard-deleted). Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.DELETE_ITEM, is_author=item.author_id == user.id)
    _check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is already in the trash."))
    with unit_of_work() as uow:
        item.deleted = True
        item.updated_at = utcnow()
        uow.record(DELETED, actor_user=user, group_id=item.group_id, item=item, payload=_item_payload(item))
    return item


def restore_item(user, item_id):
    """Bring an item back from the trash, at the end of its column. Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.RESTORE_ITEM, is_author=item.author_id == user.id)
    if not item.deleted:
        raise Conflict(N_("This item is not in the trash."))
    with unit_of_work() as uow:
        item.deleted = False
        item.rank = _rank_at_end(uow, user, item, item.state)
        item.updated_at = utcnow()
        uow.record(RESTORED, actor_user=user, group_id=item.group_id, item=item, payload=_item_payload(item))
    return item


def publish_due(now=None, batch_size=200):
    """Publish every scheduled item whose time has come, each in its own unit of
    work under its board's lock (so its event takes the board's next seq like any
    other change). Safe to run in several processes at once: the item is read
    again under the lock and published only if it is still scheduled and due, so
    exactly one run publishes it and writes its event. Returns the number of items
    this run published."""
    now = now or utcnow()
    published_total = 0
    seen = set()
    while True:
        ids = [i for i in db.session.scalars(
            select(Item.id).where(Item.state == st.SCHEDULED, Item.deleted.is_(False), Item.scheduled_at <= now)
            .order_by(Item.scheduled_at, Item.id).limit(batch_size)) if i not in seen]
        db.session.rollback()
        if not ids:
            break
        for item_id in ids:
            seen.add(item_id)
            item = db.session.get(Item, item_id)
            lock_board(item.group_id)
            db.session.refresh(item)
            if item.state != st.SCHEDULED or item.deleted or item.scheduled_at is None or item.scheduled_at > now:
                db.session.rollback()  # another run (or a person) got there first
                continue
            with unit_of_work() as uow:
                item.state = st.decide(item.state, st.PUBLISH, SYSTEM_ACTOR, is_author=False)
                item.published_at = now
                item.updated_at = now
                uow.record(PUBLISHED_EVENT, actor_user=None, group_id=item.group_id, item=item,
                           payload=_item_payload(item, action=st.PUBLISH, **{"from": st.SCHEDULED,
                                                                            "to": st.PUBLISHED}))
            published_total += 1
    return published_total


assert SYSTEM_ACTOR.is_system
_ = datetime
