"""Every state change of an item, in one module that asks the state machine
(``domain.states``) for each: submit, withdraw and the other transitions, the
review decisions with their checks and claims, drag and drop across columns,
scheduling, the publication run and licence expiry. The content use cases
(propose, edit, trash, restore) are ``services.items``; the review rules they
check (checklists, approvals, snapshots) are ``services.reviews``."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.errors import N_, Conflict, Forbidden, Invalid, RuleBroken, Text
from ..domain.roles import SYSTEM_ACTOR
from ..domain.scheduling import ChannelRules, check_slot, local_day, whole_minute
from ..extensions import db
from ..models import Item, Review, utcnow
from ..schemas.outputs import dump_item
from . import reviews
from .common import load_item, lock_board
from .items import (MOVED, PUBLISHED_EVENT, REVIEWED, SCHEDULED_EVENT, TRANSITIONED, check_version, fit_rank,
                    item_payload, neighbours, rank_at_end, resolve_channel)
from .reviews import CLAIMED, LICENCE_EXPIRED, UNCLAIMED
from .unit_of_work import unit_of_work


def _do_transition(uow, user, item, actor, action, target, comment, checklist=None, event_type=TRANSITIONED,
                   extra=None):
    """Apply an already decided transition to ``item`` inside ``uow``. A submit
    opens a new review round; a decision releases the claim, records a Review
    with a snapshot of the content (for the next round's diff) and, in a group
    needing two approvals, a first approval leaves the item in review."""
    previous = item.state
    required_approvals = 1
    if action == st.APPROVE:
        ticked = reviews.check_checklist(item, checklist)
        required_approvals = reviews.check_approvals(item, user)
        if required_approvals > 1 and reviews.approvals_in_round(item) + 1 < required_approvals:
            target = st.IN_REVIEW
            item.rank = reviews.rank_before_change(item)
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
    # The board's "Changes requested" mark: set by that decision, gone with the next transition.
    item.changes_requested = action == st.REQUEST_CHANGES
    item.updated_at = utcnow()
    review = None
    if action in (st.APPROVE, st.REQUEST_CHANGES, st.REJECT):
        decision = {v: k for k, v in st.REVIEW_DECISIONS.items()}[action]
        review = Review(item_id=item.id, reviewer_id=user.id, decision=decision,
                        comment=comment or "", item_version=item.version, round=max(1, item.review_round or 1),
                        snapshot=reviews.snapshot(item),
                        checklist=ticked if action == st.APPROVE else [])
        db.session.add(review)
        db.session.flush()
        uow.record(REVIEWED, actor_user=user, group_id=item.group_id, item=item,
                   payload=item_payload(item, review=_review_dict(review, user), action=action,
                                         **{"from": previous, "to": target}, comment=comment or "",
                                         round=review.round, required_approvals=required_approvals,
                                         **(extra or {})))
    else:
        uow.record(event_type, actor_user=user, group_id=item.group_id, item=item,
                   payload=item_payload(item, action=action, **{"from": previous, "to": target},
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
    check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    action, target = st.decide_target(item.state, to, actor, is_author=item.author_id == user.id,
                                      comment=comment, previous_state=item.archived_from)
    with unit_of_work() as uow:
        item.rank = rank_at_end(uow, user, item, target)
        _do_transition(uow, user, item, actor, action, target, comment)
    return item


def review_item(user, item_id, decision, comment="", expected_version=None, checklist=None):
    """A lead's decision on an item in review: approve, request changes (comment
    required) or reject (reason required). Returns the Review. Raises NotFound,
    Forbidden (not a lead, own item), Conflict (not in review, stale), Invalid."""
    item, actor = load_item(user, item_id, for_update=True)
    check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    action = st.REVIEW_DECISIONS[decision]
    perm.check_visible(actor)
    target = st.decide(item.state, action, actor, is_author=item.author_id == user.id, comment=comment)
    with unit_of_work() as uow:
        item.rank = rank_at_end(uow, user, item, target)
        review = _do_transition(uow, user, item, actor, action, target, comment, checklist=checklist)
        review.held_slot = _settle_held_slot(uow, user, item)
    return review


def _settle_held_slot(uow, user, item, now=None):
    """After a decision on an item that holds a slot (it was sent back to review
    while scheduled): a final approval puts it back on that slot when the slot is
    still in the future and free, else releases it; a rejection releases it (a
    request for changes keeps it: the item comes back). Returns what happened, for
    the door to say — ``{"at", "restored", "message"}`` — or None (no slot held)."""
    slot = item.held_slot_at
    if slot is None or item.state in (st.PROPOSED, st.IN_REVIEW):
        return None
    item.held_slot_at = None
    channel = item.channel
    if item.state != st.APPROVED:
        return {"at": slot, "restored": False,
                "message": Text(N_("Its held slot of %(slot)s is released."), {"slot": slot})}
    now = now or utcnow()
    refusal = None
    if channel is None:
        refusal = Text(N_("It has no channel any more: schedule it again."))
    else:
        try:
            _check_capacity(item, channel, slot, now)
        except RuleBroken as exc:
            refusal = Text(exc.message, exc.params)
    if refusal is not None:
        return {"at": slot, "restored": False, "message": Text(
            N_("Its held slot of %(slot)s could not be kept: %(reason)s Schedule it again."),
            {"slot": slot, "reason": refusal})}
    item.state = st.decide(item.state, st.RESTORE_SLOT, SYSTEM_ACTOR, is_author=False)
    item.scheduled_at = slot
    item.rank = rank_at_end(uow, user, item, st.SCHEDULED)
    item.updated_at = utcnow()
    db.session.flush()
    uow.record(SCHEDULED_EVENT, actor_user=user, group_id=item.group_id, item=item,
               payload=item_payload(item, action=st.RESTORE_SLOT, restored_slot=True,
                                    **{"from": st.APPROVED, "to": st.SCHEDULED}))
    return {"at": slot, "restored": True, "message": Text(
        N_("Back on its slot of %(slot)s on %(channel)s."), {"slot": slot, "channel": channel.name})}


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
    check_version(item, expected_version)
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
    bounds = neighbours(item, target, before_id=before_id, after_id=after_id) if placed else None
    if action is None and _already_there(item, bounds):
        # A drop that changes nothing: no new version, no event for every open board.
        db.session.rollback()
        return item
    with unit_of_work() as uow:
        if placed:
            item.rank = fit_rank(uow, user, item, target, *bounds, before_id=before_id, after_id=after_id)
        elif action is not None:
            item.rank = rank_at_end(uow, user, item, target)
        previous = item.state
        if action is not None:
            # A drop into another column is a transition recorded as one "item.moved"
            # (a review decision keeps its "review.created"), with the card's new place.
            # (The transition already stamps updated_at: stamping again would bump the version twice.)
            _do_transition(uow, user, item, actor, action, target, comment, event_type=MOVED,
                           extra={"moved": True})
            _settle_held_slot(uow, user, item)
        else:
            item.updated_at = utcnow()
            db.session.flush()
            uow.record(MOVED, actor_user=user, group_id=item.group_id, item=item,
                       payload=item_payload(item, **{"from": previous, "to": target}))
    return item


def check_column_move(user, item, actor, state, comment=None):
    """The check half of a move to another column, for a use case that checks every item
    before changing any (``services.bulk``): ``(action, target)`` the state machine allows,
    or None when the item is already in ``state``. Checks what the change itself would
    (trash, transition and four-eyes, an approval's checklist and second approver, a
    schedule's time). Raises Forbidden, Conflict, Invalid."""
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."), rule="trash")
    if state == item.state:
        return None
    action, target = st.decide_target(item.state, state, actor, is_author=item.author_id == user.id,
                                      comment=comment, previous_state=item.archived_from)
    if action == st.APPROVE:
        reviews.check_checklist(item, None)
        reviews.check_approvals(item, user)
    if target == st.SCHEDULED and (item.channel is None or item.scheduled_at is None
                                   or item.scheduled_at <= utcnow()):
        raise Invalid(N_("Scheduling needs a future publication time and a channel: use the schedule action."),
                      rule="schedule")
    return action, target


def apply_column_move(uow, user, item, actor, action, target, comment=None, extra=None):
    """The change half of :func:`check_column_move`: the item at the end of ``target``, one
    ``item.moved`` event (a review decision keeps its ``review.created``)."""
    item.rank = rank_at_end(uow, user, item, target)
    _do_transition(uow, user, item, actor, action, target, comment, event_type=MOVED,
                   extra={"moved": True, **(extra or {})})
    _settle_held_slot(uow, user, item)


def schedule_item(user, item_id, scheduled_at, channel_ref, expected_version=None, now=None):
    """Put an approved item (or reschedule a scheduled one) on the calendar at
    ``scheduled_at`` on a channel. Checks the scheduling rules (future time,
    channel capacity, blackout dates). Raises NotFound, Forbidden, Conflict,
    Invalid, RuleBroken (with the next free slot)."""
    item, actor = load_item(user, item_id, for_update=True)
    check_version(item, expected_version)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it first."))
    is_author = item.author_id == user.id
    if item.state == st.SCHEDULED:
        # Rescheduling: same rights as scheduling.
        st.decide(st.APPROVED, st.SCHEDULE, actor, is_author=is_author)
    else:
        st.decide(item.state, st.SCHEDULE, actor, is_author=is_author)
    channel = resolve_channel(channel_ref)
    now = now or utcnow()
    scheduled_at = whole_minute(scheduled_at)  # never 09:54:41.466, whatever the door
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
            item.rank = rank_at_end(uow, user, item, st.SCHEDULED)
        item.updated_at = utcnow()
        uow.record(SCHEDULED_EVENT, actor_user=user, group_id=item.group_id, item=item,
                   payload=item_payload(item, action=st.SCHEDULE, **{"from": previous, "to": st.SCHEDULED}))
    return item


def _check_capacity(item, channel, scheduled_at, now):
    window_start = scheduled_at - timedelta(days=2)
    window_end = scheduled_at + timedelta(days=2)
    times = list(db.session.scalars(
        select(Item.scheduled_at).where(
            Item.channel_id == channel.id, Item.state == st.SCHEDULED, Item.deleted.is_(False),
            Item.id != item.id, Item.scheduled_at >= window_start, Item.scheduled_at <= window_end)))
    # Slots held by items sent back to review count too: they come back to them.
    times += db.session.scalars(
        select(Item.held_slot_at).where(
            Item.channel_id == channel.id, Item.held_slot_at.is_not(None), Item.deleted.is_(False),
            Item.id != item.id, Item.held_slot_at >= window_start, Item.held_slot_at <= window_end))
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
                           payload=item_payload(item, action=st.PUBLISH, **{"from": st.SCHEDULED,
                                                                            "to": st.PUBLISHED}))
            published_total += 1
    return published_total



def claim_item(user, item_id):
    """A lead takes an in_review item for review, so two leads don't review the
    same one. Raises NotFound, Forbidden (not a lead, own item), Conflict (not
    in review, already claimed by another lead)."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.REVIEW)
    if item.deleted or item.state != st.IN_REVIEW:
        raise Conflict(N_("Only an item waiting for review can be claimed."))
    if item.author_id == user.id:
        raise Forbidden(N_("You cannot review your own item (four-eyes rule): another lead must claim it."))
    if item.claimed_by_id == user.id:
        return item
    if item.claimed_by_id is not None:
        raise Conflict(N_("%(name)s already reviews this item."), params={"name": item.claimed_by.display_name},
                       claimed_by=reviews.brief(item.claimed_by))
    with unit_of_work() as uow:
        item.claimed_by_id = user.id
        item.claimed_at = utcnow()
        db.session.flush()
        uow.record(CLAIMED, actor_user=user, group_id=item.group_id, item=item,
                   payload={"item": dump_item(item), "claimed_by": reviews.brief(user)})
    return item


def release_claim(user, item_id):
    """Give a claimed item back to the queue (the claimer, or another lead taking over
    is not allowed: they ask). Raises NotFound, Forbidden, Conflict."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.REVIEW)
    if item.claimed_by_id is None:
        raise Conflict(N_("This item is not claimed."))
    if item.claimed_by_id != user.id:
        raise Forbidden(N_("Only %(name)s, who claimed it, can release this item."),
                        params={"name": item.claimed_by.display_name})
    with unit_of_work() as uow:
        item.claimed_by_id = None
        item.claimed_at = None
        db.session.flush()
        uow.record(UNCLAIMED, actor_user=user, group_id=item.group_id, item=item,
                   payload={"item": dump_item(item), "claimed_by": None})
    return item


# ---------------------------------------------------------------- checklists

def expire_licences(now=None):
    """``flask relais expire-licences`` (daily): every approved, scheduled or
    published item whose licence ended before today (Paris) is withdrawn — moved
    to the archive, off the calendar — with an ``item.licence_expired`` event
    and a notification to its author, assignees and the group's leads.
    Returns the number of items withdrawn."""
    now = now or utcnow()
    today = now.astimezone(reviews.PARIS).date()
    ids = list(db.session.scalars(select(Item.id).where(
        Item.licence_end.is_not(None), Item.licence_end < today, Item.state.in_(reviews.WITHDRAWABLE),
        Item.deleted.is_(False)).order_by(Item.id)))
    done = 0
    for item_id in ids:
        item = db.session.get(Item, item_id)
        lock_board(item.group_id)
        db.session.refresh(item)
        if item.state not in reviews.WITHDRAWABLE or item.deleted:
            db.session.rollback()
            continue
        with unit_of_work() as uow:
            previous = item.state
            item.archived_from = previous
            item.state = st.decide(previous, st.EXPIRE_LICENCE, SYSTEM_ACTOR, is_author=False)
            item.scheduled_at = None if previous == st.SCHEDULED else item.scheduled_at
            item.held_slot_at = None
            item.rank = rank_at_end(uow, None, item, st.ARCHIVED)
            item.updated_at = now
            db.session.flush()
            uow.record(LICENCE_EXPIRED, actor_user=None, group_id=item.group_id, item=item, payload={
                "item": dump_item(item), "from": previous, "to": st.ARCHIVED,
                "licence_end": item.licence_end.isoformat()})
        done += 1
    return done
