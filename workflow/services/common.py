"""Plumbing shared by the services: who the actor is towards a group, loading
what they may see, recording events and committing them."""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import N_, Conflict, NotFound, Unauthorized
from ..domain.roles import SYSTEM_ACTOR, Actor
from ..events import get_publisher
from ..extensions import db
from ..models import Event, Group, IdempotencyKey, Item, Membership, User, utcnow


def require_user(user):
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        raise Unauthorized(N_("Log in or send an API token."))
    return user


def membership_role(user, group_id):
    if user is None:
        return None
    return db.session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.group_id == group_id)
    )


def actor_for(user, group_id) -> Actor:
    """The domain's view of ``user`` acting on ``group_id``."""
    if user is None:
        return SYSTEM_ACTOR
    require_user(user)
    return Actor(
        user_id=user.id,
        group_role=membership_role(user, group_id),
        is_coordinator=bool(user.is_coordinator),
        is_admin=bool(user.is_admin),
    )


def visible_group_ids(user):
    """Ids of the groups ``user`` may see, or None for "all of them"."""
    require_user(user)
    if user.is_coordinator or user.is_admin:
        return None
    return list(db.session.scalars(select(Membership.group_id).where(Membership.user_id == user.id)))


def _dialect():
    return db.session.get_bind().dialect.name


def lock_board(group_id):
    """Take the board's write lock until the transaction ends: the board's writers
    then run one after the other, each seeing what the previous one committed, and
    their events get seqs in commit order. PostgreSQL locks the group's row;
    SQLite's first write takes the database's write lock (a no-op UPDATE does)."""
    if _dialect() == "postgresql":
        db.session.execute(select(Group.id).where(Group.id == group_id).with_for_update())
    else:
        db.session.execute(update(Group).where(Group.id == group_id).values(last_seq=Group.last_seq)
                           .execution_options(synchronize_session=False))


def load_item(user, item_id, *, include_deleted=True, for_update=False):
    """The item and the actor's view of its group. Raises NotFound when it does
    not exist or belongs to a group the user cannot see. ``for_update``: the use
    case is about to change the item — the board is locked first and the item
    read again under the lock, so its checks see the last committed state (a
    comment cannot slip in after a trash that committed meanwhile)."""
    item = db.session.get(Item, item_id) if isinstance(item_id, int) and 0 < item_id < 2**63 else None
    if item is None:
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    if for_update:
        lock_board(item.group_id)
        db.session.refresh(item)
    actor = actor_for(user, item.group_id)
    if not actor.can_see_group():
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    return item, actor


# The Idempotency-Key claim of the request being served, set by the API door:
# (row id, claim). The write's transaction marks the key as committed.
idempotency_claim: ContextVar[tuple[int, str] | None] = ContextVar("idempotency_claim", default=None)
COMMITTED = 1  # IdempotencyKey.status while the write committed but its answer is not stored yet

# Any constant: the transaction-level advisory lock PostgreSQL writers of events take
# just before their commit, so event ids are drawn in commit order.
EVENT_LOG_LOCK = 0x52454C41


def stamp_events(events):
    """Give ``events`` (not yet in the session) their board seqs and ids, in this
    transaction: each board's head moves on by its events (``UPDATE … RETURNING``,
    which also holds the board's lock until commit), then the ids are drawn under
    the event log's lock (PostgreSQL; SQLite has a single writer at a time)."""
    by_group = {}
    for event in events:
        if event.group_id is not None:
            by_group.setdefault(event.group_id, []).append(event)
    for group_id in sorted(by_group):
        board_events = by_group[group_id]
        head = db.session.execute(
            update(Group).where(Group.id == group_id).values(last_seq=Group.last_seq + len(board_events))
            .returning(Group.last_seq).execution_options(synchronize_session=False)).scalar_one()
        for n, event in enumerate(board_events):
            event.seq = head - len(board_events) + 1 + n
    if _dialect() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOG_LOCK})
    for event in events:
        db.session.add(event)
    db.session.flush()


def _mark_idempotency_key(events):
    """The request's Idempotency-Key is settled by this very commit (its answer is
    stored after): a retry whose first answer was lost is answered from the item,
    never run twice. Raises Conflict when the key's lease ran out and a retry took it."""
    claim = idempotency_claim.get()
    if claim is None:
        return
    row_id, token = claim
    item_id = next((e.item_id for e in reversed(events) if e.item_id is not None), None)
    done = db.session.execute(
        update(IdempotencyKey).where(IdempotencyKey.id == row_id, IdempotencyKey.claim == token)
        .values(status=COMMITTED, item_id=item_id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(N_("This request took too long and was retried meanwhile; nothing was changed."))


class UnitOfWork:
    """Collects the events of one use case, commits them with the change, and
    publishes them once the commit has succeeded."""

    def __init__(self):
        self.pending = []
        self.ended_sessions = set()

    def sessions_changed(self, user_id):
        """Some of ``user_id``'s sessions or tokens end with this change: once it has
        committed, their open sockets are disconnected (on every process)."""
        self.ended_sessions.add(user_id)

    def record(self, type_, *, actor_user, group_id, item=None, payload=None):
        event = Event(
            type=type_,
            actor_id=actor_user.id if actor_user is not None else None,
            group_id=group_id,
            item_id=item.id if item is not None else None,
            payload=payload or {},
            created_at=utcnow(),
        )
        # Added to the session when the use case ends (``stamp_events``), which gives it its seq and id.
        self.pending.append((event, actor_user))
        return event


@contextmanager
def unit_of_work():
    """``with unit_of_work() as uow: ...`` — commit on success, rollback on any
    error; a concurrent change (stale version, unique clash) becomes Conflict."""
    uow = UnitOfWork()
    try:
        yield uow
        db.session.flush()
        stamp_events([event for event, _ in uow.pending])
        _mark_idempotency_key([event for event, _ in uow.pending])
        # Notifications are written in the same transaction as the events that cause them.
        from .notifications import collect as collect_notifications

        notified = collect_notifications(uow.pending) if uow.pending else None
        published = [event_message(event, actor) for event, actor in uow.pending]
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(N_("Someone else changed this item at the same time; reload it and try again."))
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(N_("The change clashes with existing data (%(error)s)."),
                       params={"error": exc.orig.__class__.__name__})
    except OperationalError as exc:
        db.session.rollback()
        if "locked" in str(exc.orig).lower() or getattr(exc.orig, "sqlstate", None) in ("40P01", "40001"):
            # SQLite's lock timed out, or PostgreSQL broke a deadlock / a serialisation clash.
            raise Conflict(N_("The database is busy; try again."))
        raise
    except BaseException:
        db.session.rollback()
        raise
    publisher = get_publisher()
    for message in published:
        publisher.publish(message)
    for user_id in uow.ended_sessions:
        publisher.sessions_changed(user_id)
    if notified is not None:
        from .notifications import after_commit as push_notifications

        push_notifications(notified)


def event_message(event: Event, actor_user: User | None):
    """The event as published to sockets and returned by /events."""
    return {
        "id": event.id,
        "event_id": event.id,
        "seq": event.seq,
        "type": event.type,
        "group_id": event.group_id,
        "item_id": event.item_id,
        "actor": (
            {"id": actor_user.id, "username": actor_user.username, "display_name": actor_user.display_name}
            if actor_user is not None else None
        ),
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }
