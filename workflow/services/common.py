"""Plumbing shared by the services: who the actor is towards a group, loading
what they may see, recording events and committing them."""
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import N_, Conflict, NotFound, Unauthorized
from ..domain.roles import SYSTEM_ACTOR, Actor
from ..events import get_publisher
from ..extensions import db
from ..models import Event, Item, Membership, User, utcnow


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


def load_item(user, item_id, *, include_deleted=True):
    """The item and the actor's view of its group. Raises NotFound when it does
    not exist or belongs to a group the user cannot see."""
    item = db.session.get(Item, item_id) if isinstance(item_id, int) and 0 < item_id < 2**63 else None
    if item is None:
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    actor = actor_for(user, item.group_id)
    if not actor.can_see_group():
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    return item, actor


class UnitOfWork:
    """Collects the events of one use case, commits them with the change, and
    publishes them once the commit has succeeded."""

    def __init__(self):
        self.pending = []

    def record(self, type_, *, actor_user, group_id, item=None, payload=None):
        event = Event(
            type=type_,
            actor_id=actor_user.id if actor_user is not None else None,
            group_id=group_id,
            item_id=item.id if item is not None else None,
            payload=payload or {},
            created_at=utcnow(),
        )
        db.session.add(event)
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
        if "locked" in str(exc.orig).lower():
            raise Conflict(N_("The database is busy; try again."))
        raise
    except BaseException:
        db.session.rollback()
        raise
    publisher = get_publisher()
    for message in published:
        publisher.publish(message)
    if notified is not None:
        from .notifications import after_commit as push_notifications

        push_notifications(notified)


def event_message(event: Event, actor_user: User | None):
    """The event as published to sockets and returned by /events."""
    return {
        "id": event.id,
        "event_id": event.id,
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
