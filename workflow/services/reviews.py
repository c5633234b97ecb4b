"""Review rules and reads: the lead's queue, checklists, the two-approval rule,
review rounds and the diff since the last review, daily reminders and escalation
of reviews waiting too long.

The decision itself (approve / request changes / reject), claims and licence
expiry are state changes: ``services.workflow``, which calls the checks below, so
every door (API, review queue, drag and drop on the board) obeys the same rules."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import joinedload, subqueryload

from ..domain import permissions as perm
from ..domain import reviews as rv
from ..domain import states as st
from ..domain.errors import N_, Conflict, Forbidden, Invalid, Text
from ..extensions import db
from ..i18n import T_, Tn_, format_duration
from ..models import Attachment, ChecklistEntry, Event, Group, Item, Notification, Review, User, utcnow
from ..schemas.outputs import dump_item
from .common import actor_for, load_item, lock_board, network_holidays, require_user
from .due_dates import remind_due
from .queries import groups_led_by, lead_ids
from .unit_of_work import unit_of_work

CLAIMED = "item.claimed"
UNCLAIMED = "item.unclaimed"
OVERDUE = "review.overdue"
ESCALATED = "review.escalated"
LICENCE_EXPIRED = "item.licence_expired"
CHECKLIST_UPDATED = "checklist.updated"

PARIS = ZoneInfo("Europe/Paris")
CHECKLIST_EDITORS = perm.SET_WIP_LIMITS  # the same people who set the board's limits


# ---------------------------------------------------------------- checks used by the decision path


def _diff(before, after):
    """The content diff with each field's name in the reader's language."""
    changes = rv.content_diff(before, after)
    labels = [change.get("label") for change in changes]  # (not a literal inside gettext: not extracted)
    return [dict(change, label=gettext(label)) for change, label in zip(changes, labels, strict=False)]

def snapshot(item, attachment_names=None):
    """The content a decision is about, kept on the Review for the next round's diff
    (attachments as their file names, one per line: ``attachment_names`` when the
    caller read them for many items at once)."""
    out = {name: getattr(item, name) or "" for name in rv.SNAPSHOT_FIELDS if name != "attachments"}
    if attachment_names is None:
        attachment_names = attachment_names_of([item.id]).get(item.id, [])
    out["attachments"] = "\n".join(attachment_names)
    return out


def attachment_names_of(item_ids):
    """``{item_id: [file names, oldest first]}`` in one query."""
    names = {}
    for item_id, filename in db.session.execute(
            select(Attachment.item_id, Attachment.filename).where(Attachment.item_id.in_(item_ids))
            .order_by(Attachment.id)):
        names.setdefault(item_id, []).append(filename)
    return names


def checklist_labels(group_id, resource_type):
    return list(db.session.scalars(
        select(ChecklistEntry.label).where(ChecklistEntry.group_id == group_id,
                                           ChecklistEntry.resource_type == resource_type)
        .order_by(ChecklistEntry.position, ChecklistEntry.id)))


def check_checklist(item, ticked):
    """Every point of the group's checklist for the item's type must be ticked
    to approve. Returns the ticked points; raises Invalid naming the missing ones."""
    required = checklist_labels(item.group_id, item.resource_type)
    missing = rv.missing_checklist_points(required, ticked)
    if missing:
        raise Invalid(
            N_("Tick every point of the review checklist before approving: %(missing)s."),
            params={"missing": "; ".join(missing)},
            errors={"checklist": [Text(N_("Not ticked: %(label)s"), {"label": label}) for label in missing]},
            missing=missing)
    return [label for label in required]


def approvals_in_round(item):
    return db.session.scalar(select(func.count()).select_from(Review).where(
        Review.item_id == item.id, Review.round == max(1, item.review_round or 1),
        Review.decision == "approve")) or 0


def check_approvals(item, user):
    """How many approvals the item's group requires; refuses a second approval
    by the same lead in one round (Conflict)."""
    group = db.session.get(Group, item.group_id)
    required = max(1, group.required_approvals or 1)
    if required > 1:
        already = db.session.scalar(select(func.count()).select_from(Review).where(
            Review.item_id == item.id, Review.round == max(1, item.review_round or 1),
            Review.decision == "approve", Review.reviewer_id == user.id))
        if already:
            raise Conflict(N_("You already approved this round: another lead of the group must give the "
                              "second approval."))
    return required


def rank_before_change(item):
    """The rank the item had when loaded (the caller may already have moved it)."""
    history = inspect(item).attrs.rank.history
    return history.deleted[0] if history.deleted else item.rank


# ---------------------------------------------------------------- the queue

def led_group_ids(user):
    """The ids of the groups ``user`` leads (see ``queries.groups_led_by``)."""
    return groups_led_by(user)


def queue_size(user):
    """How many items wait in the lead's queue; None when the user leads no group."""
    require_user(user)
    group_ids = led_group_ids(user)
    if not group_ids:
        return None
    return db.session.scalar(select(func.count()).select_from(Item).where(
        Item.group_id.in_(group_ids), Item.state == st.IN_REVIEW, Item.deleted.is_(False))) or 0


def review_queue(user, now=None):
    """Every in_review item of the groups ``user`` leads, oldest submission first,
    each with how long it has waited, whether it is overdue, the diff since the
    last review, the checklist to tick and why this lead may not decide (own
    item). A fixed number of queries, whatever the queue's length."""
    require_user(user)
    now = now or utcnow()
    group_ids = led_group_ids(user)
    if not group_ids:
        return []
    items = list(db.session.scalars(
        select(Item).where(Item.group_id.in_(group_ids), Item.state == st.IN_REVIEW, Item.deleted.is_(False))
        .options(joinedload(Item.author), joinedload(Item.group), joinedload(Item.claimed_by),
                 joinedload(Item.channel), subqueryload(Item.labels), subqueryload(Item.assignees))
        .order_by(func.coalesce(Item.submitted_at, Item.updated_at), Item.id)))
    if not items:
        return []
    ids = [i.id for i in items]
    reviews = {}
    for review in db.session.scalars(select(Review).where(Review.item_id.in_(ids))
                                     .options(joinedload(Review.reviewer)).order_by(Review.id)):
        reviews.setdefault(review.item_id, []).append(review)
    files = attachment_names_of(ids)
    checklists = {}
    for entry in db.session.scalars(select(ChecklistEntry).where(ChecklistEntry.group_id.in_(group_ids))
                                    .order_by(ChecklistEntry.position, ChecklistEntry.id)):
        checklists.setdefault((entry.group_id, entry.resource_type), []).append(entry.label)
    out = []
    for item in items:
        past = reviews.get(item.id, [])
        since = item.submitted_at or item.updated_at
        limit = item.group.review_limit_days or 3
        waited_days = rv.working_days_between(since, now, network_holidays())
        current_round = [r for r in past if r.round == max(1, item.review_round or 1)]
        approvals = [r for r in current_round if r.decision == "approve"]
        last = past[-1] if past else None
        own = item.author_id == user.id
        already = any(r.reviewer_id == user.id for r in approvals)
        blocked = None
        if own:
            blocked = gettext("You wrote this proposal: you cannot approve, request changes on or reject it "
                              "(four-eyes rule); another lead of the group must review it.")
        elif already:
            blocked = gettext("You have already approved this round: a second approval by another lead is needed.")
        out.append({
            "item": item,
            "waiting_since": since,
            "waited": format_duration(now - since),
            "waited_working_days": waited_days,
            "overdue": waited_days > limit,
            "limit_days": limit,
            "round": max(1, item.review_round or 1),
            "last_review": last,
            "diff": _diff(last.snapshot if last else None, snapshot(item, files.get(item.id, []))),
            "checklist": checklists.get((item.group_id, item.resource_type), []),
            "required_approvals": max(1, item.group.required_approvals or 1),
            "approvals": approvals,
            "blocked_reason": blocked,
            "own": own,  # four-eyes: no decision at all is offered on one's own item
            "claimed_by": item.claimed_by,
        })
    return out


# ---------------------------------------------------------------- rounds and diff

def rounds(user, item_id):
    """An item's review rounds, oldest first: when it was submitted and by
    whom, what changed since the previous round's decision, every decision
    (who asked for what, who approved). Raises NotFound."""
    item, _ = load_item(user, item_id)
    reviews = list(db.session.scalars(select(Review).where(Review.item_id == item.id)
                                      .options(joinedload(Review.reviewer)).order_by(Review.id)))
    submits = list(db.session.scalars(
        select(Event).where(Event.item_id == item.id, Event.type.in_(("item.transitioned", "item.moved",
                                                                       "item.updated")))
        .options(joinedload(Event.actor)).order_by(Event.id)))
    submits = [e for e in submits if (e.payload or {}).get("action") == st.SUBMIT
               or (e.payload or {}).get("sent_back_to_review")]
    count = max([item.review_round or 0] + [r.round for r in reviews])
    out = []
    previous_snapshot = None
    for number in range(1, count + 1):
        decisions = [r for r in reviews if r.round == number]
        submit = submits[number - 1] if number - 1 < len(submits) else None
        current = decisions[-1].snapshot if decisions else snapshot(item)
        out.append({
            "round": number,
            "submitted_at": submit.created_at.isoformat() if submit else None,
            "submitted_by": brief(submit.actor) if submit and submit.actor else None,
            "changes": _diff(previous_snapshot, current),
            "decisions": [review_dict(r) for r in decisions],
            "open": number == (item.review_round or 0) and item.state == st.IN_REVIEW,
        })
        if decisions:
            previous_snapshot = decisions[-1].snapshot
    return out


def diff_since_last_review(user, item_id):
    """What changed in the item since its last review decision (empty when never reviewed)."""
    item, _ = load_item(user, item_id)
    last = db.session.scalar(select(Review).where(Review.item_id == item.id).order_by(Review.id.desc()).limit(1))
    return {"item_id": item.id, "last_review": review_dict(last) if last else None,
            "changes": _diff(last.snapshot if last else None, snapshot(item))}


def brief(user):
    return {"id": user.id, "username": user.username, "display_name": user.display_name} if user else None


def review_dict(review):
    return {"id": review.id, "round": review.round, "decision": review.decision, "comment": review.comment,
            "reviewer": brief(review.reviewer), "checklist": review.checklist or [],
            "item_version": review.item_version,
            "created_at": review.created_at.isoformat() if review.created_at else None}


# ---------------------------------------------------------------- claiming

def checklists(user, group_id):
    """The group's checklist per resource type: ``{type: [labels]}``. Raises NotFound."""
    from .queries import get_group

    group, _ = get_group(user, group_id)
    out = {t: [] for t in rv.SUGGESTED_CHECKLISTS}
    for entry in db.session.scalars(select(ChecklistEntry).where(ChecklistEntry.group_id == group.id)
                                    .order_by(ChecklistEntry.position, ChecklistEntry.id)):
        out.setdefault(entry.resource_type, []).append(entry.label)
    return out


def may_edit_checklists(actor):
    """Whether ``actor`` may change the group's checklists (what :func:`set_checklist` requires)."""
    return perm.is_allowed(actor, CHECKLIST_EDITORS)


def set_checklist(user, group_id, resource_type, labels):
    """Replace the group's checklist for one resource type (leads, coordinators,
    admins). Raises NotFound, Forbidden, Invalid."""
    from ..models.items import RESOURCE_TYPES
    from .queries import get_group

    group, actor = get_group(user, group_id)
    if not perm.is_allowed(actor, CHECKLIST_EDITORS):
        raise Forbidden(N_("Only the group's leads and the coordinators may change its review checklists."))
    if resource_type not in RESOURCE_TYPES:
        raise Invalid(N_("Unknown resource type '%(type)s'."), params={"type": resource_type},
                      errors={"resource_type": [Text(N_("Must be one of: %(choices)s."),
                                                     {"choices": ", ".join(RESOURCE_TYPES)})]})
    clean = list(dict.fromkeys(label.strip()[:200] for label in labels if label and label.strip()))
    with unit_of_work() as uow:
        for entry in db.session.scalars(select(ChecklistEntry).where(
                ChecklistEntry.group_id == group.id, ChecklistEntry.resource_type == resource_type)):
            db.session.delete(entry)
        db.session.flush()
        for position, label in enumerate(clean):
            db.session.add(ChecklistEntry(group_id=group.id, resource_type=resource_type, label=label,
                                          position=position))
        uow.record(CHECKLIST_UPDATED, actor_user=user, group_id=group.id,
                   payload={"resource_type": resource_type, "labels": clean})
    return clean


# ---------------------------------------------------------------- reminders and escalation

def _local_midnight(now):
    local = now.astimezone(PARIS)
    return datetime.combine(local.date(), time(0), tzinfo=PARIS)


def remind(now=None):
    """Daily (``flask relais remind``): for every review waiting longer than its
    group's limit (working days), a reminder to the lead who claimed it (or to
    every lead but the author) — at most once a day per item — and, the first
    time, for a claimed review, an escalation to the other leads (to the
    coordinators when the group has no other lead). Then the due dates' reminders
    (services.due_dates) and the daily digests. Returns a summary dict."""
    from .notifications import send_digests

    now = now or utcnow()
    today = _local_midnight(now)
    reminded = escalated = 0
    items = list(db.session.scalars(
        select(Item).where(Item.state == st.IN_REVIEW, Item.deleted.is_(False))
        .options(joinedload(Item.group), joinedload(Item.claimed_by)).order_by(Item.id)))
    for item in items:
        lock_board(item.group_id)  # the item's writers wait; read it again under the lock
        db.session.refresh(item)
        if item.state != st.IN_REVIEW or item.deleted:
            db.session.rollback()
            continue
        since = item.submitted_at or item.updated_at
        limit = item.group.review_limit_days or 3
        days = rv.working_days_between(since, now, network_holidays())
        if days <= limit:
            db.session.rollback()
            continue
        already = db.session.scalar(select(func.count()).select_from(Event).where(
            Event.item_id == item.id, Event.type == OVERDUE, Event.created_at >= today))
        leads = [i for i in lead_ids(item.group_id) if i != item.author_id]
        with unit_of_work() as uow:
            if not already:
                to = [item.claimed_by_id] if item.claimed_by_id else leads
                reminder = uow.record(OVERDUE, actor_user=None, group_id=item.group_id, item=item, payload={
                    "item": dump_item(item), "waited_working_days": days, "limit_days": limit, "recipients": to,
                    "message": {"title": T_("Review overdue: “%(title)s”", title=item.title),
                                "body": [Tn_("Waiting for %(num)s working day (group limit: %(limit)s).",
                                             "Waiting for %(num)s working days (group limit: %(limit)s).",
                                             days, limit=limit)]}})
                reminder.created_at = now  # "once a day" is counted on the run's clock
                reminded += 1
            # Escalation, once: a claimed review goes to the other leads; when no lead but the
            # author or the claimer exists, to the coordinators. (An unclaimed review was just
            # sent to every lead: nobody else to escalate to among them.)
            if item.escalated_at is None and (item.claimed_by_id or not leads):
                others = [i for i in leads if i != item.claimed_by_id]
                if not others:
                    others = list(db.session.scalars(select(User.id).where(
                        User.is_coordinator.is_(True), User.active.is_(True))))
                item.escalated_at = now
                if item.claimed_by:
                    body = Tn_("%(who)s took this review but it has been waiting for %(num)s working day "
                               "(limit: %(limit)s). Could you review it?",
                               "%(who)s took this review but it has been waiting for %(num)s working days "
                               "(limit: %(limit)s). Could you review it?",
                               days, who=item.claimed_by.display_name, limit=limit)
                else:
                    body = Tn_("It has been waiting for %(num)s working day (limit: %(limit)s). Could you review it?",
                               "It has been waiting for %(num)s working days (limit: %(limit)s). "
                               "Could you review it?", days, limit=limit)
                uow.record(ESCALATED, actor_user=None, group_id=item.group_id, item=item, payload={
                    "item": dump_item(item), "waited_working_days": days, "recipients": others,
                    "message": {"title": T_("Review to take over: “%(title)s”", title=item.title),
                                "body": [body]}})
                escalated += 1
    due = remind_due(now)
    digests = send_digests(now)
    return {"reminded": reminded, "escalated": escalated, "due": due, "digests": digests}


# ---------------------------------------------------------------- licences

WITHDRAWABLE = (st.APPROVED, st.SCHEDULED, st.PUBLISHED)


_ = (Notification, actor_for, timedelta)
