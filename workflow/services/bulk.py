"""Bulk actions over a selection of cards: move to a column, assign, label, set the due
date, archive, trash or restore several items in one call — all or nothing.

One use case, one unit of work: every board of the selection is locked (in id order, so
two bulk calls cannot deadlock), every item is read again under the lock and checked
(visibility, permission, version, the state machine with its four-eyes rule, an
approval's checklist) before any is changed; then all change in one transaction with one
event per item, which the unit of work publishes to every open board after the commit.
A refusal names the item (its title) and the rule (``rule``: ``four_eyes``,
``permission``, ``state``, ``trash``, ``version``…) and leaves every item as it was.

The undo of a bulk action is a bulk action too: a move back with one column per item
(``states``), a restore, each item's own labels, assignees or due date (``each``,
``due_each``) as they were — with the versions the first
action answered (``versions``), so a change made since refuses the undo."""
from sqlalchemy import select

from ..domain import states as st
from ..domain import permissions as perm
from ..domain.bulk import ACTIONS, ADD, ARCHIVE, ASSIGN, DUE, MAX_ITEMS, MOVE, RESTORE, SET, TRASH, merged
from ..domain.errors import N_, Conflict, DomainError, Forbidden, Invalid, NotFound, RuleBroken, Text
from ..extensions import db
from ..models import Item, Label
from . import items as item_service
from . import workflow as workflow_service
from .common import actor_for, lock_board, require_user
from .unit_of_work import unit_of_work


# The rule a refusal names when the error does not say it itself.
RULES = {Forbidden: "permission", NotFound: "visibility", Conflict: "state", Invalid: "input",
         RuleBroken: "rule"}


def _rule_of(exc):
    return exc.extra.get("rule") or next((rule for kind, rule in RULES.items() if isinstance(exc, kind)), "rule")


def refusal(item, exc):
    """``exc`` about one item of the selection, as the bulk call's refusal: the same kind of
    error (so the same status), its message prefixed with the item's title, and the item and
    rule named in ``item_id``, ``item_title`` and ``rule``."""
    extra = {k: v for k, v in exc.extra.items() if k not in ("rule", "current")}
    params = {"title": item.title, "reason": Text(exc.message, exc.params)}
    kwargs = dict(params=params, item_id=item.id, item_title=item.title, rule=_rule_of(exc), **extra)
    if isinstance(exc, Invalid):
        return Invalid(N_("“%(title)s”: %(reason)s Nothing was changed."), errors=exc.errors, **kwargs)
    return type(exc)(N_("“%(title)s”: %(reason)s Nothing was changed."), **kwargs)


def _load(user, ids):
    """The items of ``ids`` in that order, read under their boards' locks, each with the
    actor's view of its group. Raises NotFound (naming the first id missing or invisible)."""
    rows = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(ids)))}
    for group_id in sorted({item.group_id for item in rows.values()}):
        lock_board(group_id)
    actors = {}
    out = []
    for item_id in ids:
        item = rows.get(item_id)
        if item is not None:
            db.session.refresh(item)
            if item.group_id not in actors:
                actors[item.group_id] = actor_for(user, item.group_id)
        if item is None or not actors[item.group_id].can_see_group():
            raise NotFound(N_("No item %(item_id)s: nothing was changed."), params={"item_id": item_id},
                           item_id=item_id, rule="visibility")
        out.append((item, actors[item.group_id]))
    return out


def _plan(user, item, actor, action, options):
    """Check one item; returns the change to make (a function of the unit of work), or None
    when there is nothing to change for it. Raises the domain error that refuses it."""
    expected = (options.get("versions") or {}).get(item.id)
    if expected is not None and expected != item.version:
        raise Conflict(N_("it was changed since (version %(yours)s, now %(current)s)."),
                       params={"yours": expected, "current": item.version}, rule="version")
    if action in (MOVE, ARCHIVE):
        target = st.ARCHIVED if action == ARCHIVE else (options.get("states") or {}).get(item.id,
                                                                                          options.get("state"))
        decided = workflow_service.check_column_move(user, item, actor, target, options.get("comment"))
        if decided is None:
            return None
        return lambda uow: workflow_service.apply_column_move(uow, user, item, actor, *decided,
                                                              options.get("comment"), extra={"bulk": True})
    if action == TRASH:
        item_service.check_trash(user, item, actor)
        return lambda uow: item_service.apply_trash(uow, user, item)
    if action == RESTORE:
        item_service.check_restore(user, item, actor)
        return lambda uow: item_service.apply_restore(uow, user, item)
    item_service.check_editable(item, actor)
    if action == DUE:
        due_each = options.get("due_each") or {}
        due_at = due_each[item.id] if item.id in due_each else options.get("due_at")
        if due_at == item.due_at:
            return None
        return lambda uow: item_service.apply_edit(uow, user, item, {"due_at": due_at}, actor)
    own = (options.get("each") or {}).get(item.id)  # this item's own list (an undo puts each back)
    if action == ASSIGN:
        field, current = "assignees", [u.username for u in item.assignees]
        values = own if own is not None else options.get("assignees") or []
    else:
        field, current = "labels", [lb.id for lb in item.labels]
        values = _label_refs(actor, item.group_id, own if own is not None else options.get("labels") or [])
    wanted = merged(current, values, SET if own is not None else options.get("mode") or ADD)
    if sorted(map(str, wanted)) == sorted(map(str, current)):
        return None
    return lambda uow: item_service.apply_edit(uow, user, item, {field: wanted}, actor)


def _label_refs(actor, group_id, refs):
    """Label ``refs`` (ids or names) as ids where the group has them; a name it has not stays a
    name, created with the change (members may: CREATE_LABEL, checked now)."""
    names = [r.strip() for r in refs if isinstance(r, str) and r.strip()]
    known = {lb.name: lb.id for lb in db.session.scalars(
        select(Label).where(Label.group_id == group_id, Label.name.in_(names)))} if names else {}
    out = [known.get(r.strip(), r.strip()) if isinstance(r, str) else r for r in refs]
    if any(isinstance(r, str) for r in out):
        perm.require(actor, perm.CREATE_LABEL)
    return list(dict.fromkeys(r for r in out if r != ""))


def bulk_action(user, ids, action, **options):
    """Apply ``action`` to every item of ``ids`` (at most ``MAX_ITEMS``), all or nothing.

    ``options``: ``state`` (move: the column), ``states`` ({id: column}, a move with one
    column per item — an undo), ``comment`` (a transition that needs one), ``due_at`` (due:
    a moment or None; ``due_each`` {id: moment} for one per item), ``assignees`` / ``labels``
    (usernames / label ids or names) with ``mode`` ``add`` (default), ``remove`` or
    ``set``, or ``each`` ({id: list}: each item's own list — an undo), ``versions`` ({id: version read}: a stale one refuses). Items already as asked
    are left alone. Returns ``(items, changed_ids)`` in the order of ``ids``. Raises
    Invalid (no or too many items, unknown action), and NotFound, Forbidden, Conflict,
    Invalid naming the first item refused (``item_id``, ``item_title``, ``rule``)."""
    require_user(user)
    ids = list(dict.fromkeys(ids))
    if not ids or len(ids) > MAX_ITEMS:
        raise Invalid(N_("Select between 1 and %(max)s cards."), params={"max": MAX_ITEMS},
                      errors={"ids": [Text(N_("Between 1 and %(max)s items."), {"max": MAX_ITEMS})]})
    if action not in ACTIONS:
        raise Invalid(N_("Unknown bulk action '%(action)s'."), params={"action": action},
                      errors={"action": [Text(N_("Must be one of: %(choices)s."), {"choices": ", ".join(ACTIONS)})]})
    if action == MOVE and not options.get("state") and not options.get("states"):
        raise Invalid(N_("Say which column to move the cards to."), errors={"state": [N_("Missing column.")]})
    selection = _load(user, ids)
    plans = []
    for item, actor in selection:
        try:
            change = _plan(user, item, actor, action, options)
        except DomainError as exc:
            db.session.rollback()
            raise refusal(item, exc) from None
        if change is not None:
            plans.append((item, change))
    if not plans:
        db.session.rollback()
        return [item for item, _ in selection], []
    current = None
    try:
        with unit_of_work() as uow:
            for item, change in plans:
                current = item
                change(uow)
            current = None  # what fails from here (the commit) is about no one item
    except DomainError as exc:  # a rule only the change itself could see: nothing was committed
        raise (refusal(current, exc) if current is not None and "item_id" not in exc.extra else exc) from None
    return [item for item, _ in selection], [item.id for item, _ in plans]
