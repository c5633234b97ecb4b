"""The unit of work: one use case, one transaction. It collects the events the
use case records, gives them their board seqs and ids, runs the message bus's
before-commit handlers (notifications, webhook deliveries: written in the same
transaction), commits once, then runs the after-commit handlers (socket
publish, pushes, mail). A failure before the commit leaves nothing stored and
nothing published; a concurrent change becomes Conflict."""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import N_, Conflict
from ..events import get_publisher
from ..extensions import db
from ..models import Event, Group, IdempotencyKey, User, utcnow
from .messagebus import get_bus


def _dialect():
    return db.session.get_bind().dialect.name


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
    if not events:
        return
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
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.id == row_id,
                                                         IdempotencyKey.claim == token))
    if row is None:
        raise Conflict(N_("This request took too long and was retried meanwhile; nothing was changed."))
    last = events[-1] if events else None
    row.status = COMMITTED
    row.item_id = next((e.item_id for e in reversed(events) if e.item_id is not None), None)
    if last is not None:  # what the answer was about, to give it again if it is lost
        row.response = {**(row.response or {}), "event_id": last.id, "event_type": last.type}


class UnitOfWork:
    """Collects the events of one use case, commits them with the change, and
    publishes them once the commit has succeeded."""

    def __init__(self):
        self.pending = []  # (event, actor) in the order recorded
        self.messages = []  # the same events as published, once stamped (``event_message``)
        self.ended_sessions = set()
        self.notified = None  # what the notification handler wrote, for its after-commit push

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
        bus = get_bus()
        bus.before_commit(uow)  # notifications, webhook deliveries: in this transaction
        uow.messages = [event_message(event, actor) for event, actor in uow.pending]
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
    bus.after_commit(uow)  # socket publish, pushes, mails: never undo what committed
    publisher = get_publisher()
    for user_id in uow.ended_sessions:
        publisher.sessions_changed(user_id)


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
