"""Following an item (« Suivre » / « Ne plus suivre »).

Who follows: the author and the assignees of an item and whoever comments on it
follow it automatically (``on_events``, a before-commit handler of the message
bus, so the follow commits with its cause); anyone who may see the item follows
or stops by hand (``follow``, ``unfollow``). A stop is kept as a row with
``watching`` False, and an automatic follow never touches an existing row: a
person who stopped stays stopped until they follow again themselves.

Following is a person's own preference, like reading a notification: it records
no event on the board's log. What followers hear is decided with every other
notification in ``services.notifications``."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain import events as ev
from ..extensions import db
from ..models import Item, ItemWatch, utcnow
from .common import load_item

def follower_ids(item_id):
    """Ids of the people following ``item_id`` (explicit stops excluded)."""
    return list(db.session.scalars(select(ItemWatch.user_id).where(
        ItemWatch.item_id == item_id, ItemWatch.watching.is_(True)).order_by(ItemWatch.user_id)))


def stopped_ids(item_id):
    """Ids of the people who explicitly stopped following ``item_id``."""
    return set(db.session.scalars(select(ItemWatch.user_id).where(
        ItemWatch.item_id == item_id, ItemWatch.watching.is_(False))))


def follower_count(item_id):
    return db.session.scalar(select(func.count()).select_from(ItemWatch).where(
        ItemWatch.item_id == item_id, ItemWatch.watching.is_(True))) or 0


def _row(user_id, item_id):
    return db.session.scalar(select(ItemWatch).where(ItemWatch.user_id == user_id, ItemWatch.item_id == item_id))


def state(user, item):
    """``{"watching": bool, "followers": n}`` of ``item`` for ``user``."""
    row = _row(user.id, item.id)
    return {"watching": bool(row is not None and row.watching), "followers": follower_count(item.id)}


def watch_state(user, item_id):
    """Whether ``user`` follows the item, and how many do. Raises NotFound (an item
    they cannot see), Unauthorized."""
    item, _ = load_item(user, item_id)
    return state(user, item)


def _set(user, item_id, watching):
    item, _ = load_item(user, item_id)
    row = _row(user.id, item.id)
    changed = row is None or row.watching != watching
    if row is None:
        db.session.add(ItemWatch(user_id=user.id, item_id=item.id, watching=watching, created_at=utcnow()))
    else:
        row.watching = watching
    try:
        db.session.commit()
    except IntegrityError:  # the same person's other request made the row meanwhile
        db.session.rollback()
        row = _row(user.id, item.id)
        row.watching = watching
        db.session.commit()
    return state(user, item), changed


def follow(user, item_id):
    """Follow an item the user may see; idempotent. Returns ``(state, changed)``:
    ``changed`` False when they were following already. Raises NotFound, Unauthorized."""
    return _set(user, item_id, True)


def unfollow(user, item_id):
    """Stop following an item, for good (automatic follows leave it stopped);
    idempotent. Returns ``(state, changed)``. Raises NotFound, Unauthorized."""
    return _set(user, item_id, False)


def auto_follow(item_id, user_ids):
    """Make ``user_ids`` follow ``item_id`` unless they have a row already (following,
    or stopped on purpose). Inside the caller's transaction; no commit."""
    ids = {uid for uid in user_ids if uid is not None}
    if not ids:
        return
    known = set(db.session.scalars(select(ItemWatch.user_id).where(
        ItemWatch.item_id == item_id, ItemWatch.user_id.in_(ids))))
    now = utcnow()
    for uid in sorted(ids - known):
        db.session.add(ItemWatch(user_id=uid, item_id=item_id, watching=True, created_at=now))
    db.session.flush()


def on_events(events, uow):
    """Bus handler, before commit: the automatic follows the events call for — the
    item's author and assignees when it is created or its assignees change, the
    commenter when they comment."""
    for event, _actor in events:
        if event.item_id is None:
            continue
        if event.type == ev.COMMENT_CREATED:
            auto_follow(event.item_id, [event.actor_id])
        elif event.type == ev.ITEM_CREATED or (
                event.type == ev.ITEM_UPDATED and "assignees" in ((event.payload or {}).get("changes") or {})):
            item = db.session.get(Item, event.item_id)
            if item is not None:
                auto_follow(item.id, [item.author_id] + [u.id for u in item.assignees])
