"""Plumbing shared by the services: who the actor is towards a group, loading
what they may see, and the board lock a change takes before reading what it
changes. Recording events and committing is the unit of work's
(``services.unit_of_work``)."""
from sqlalchemy import select, update

from ..domain import reviews as review_rules
from ..domain.errors import N_, Conflict, NotFound, Unauthorized
from ..domain.roles import SYSTEM_ACTOR, Actor
from ..extensions import db
from ..models import Group, Item, Membership


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


def sees_every_group(user):
    """Whether ``user`` sees every group (coordinators, admins) rather than their own."""
    return bool(user.is_coordinator or user.is_admin)


def visible_group_ids(user):
    """Ids of the groups ``user`` may see, or None for "all of them"."""
    require_user(user)
    if sees_every_group(user):
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


def load_item(user, item_id, *, include_deleted=True, for_update=False, options=()):
    """The item and the actor's view of its group. Raises NotFound when it does
    not exist or belongs to a group the user cannot see. ``for_update``: the use
    case is about to change the item — the board is locked first and the item
    read again under the lock, so its checks see the last committed state (a
    comment cannot slip in after a trash that committed meanwhile)."""
    # With ``options`` (what a read shows, eager-loaded), an item already in the session
    # is read again with them, so the dump that follows loads nothing lazily.
    item = (db.session.get(Item, item_id, options=options, populate_existing=bool(options))
            if isinstance(item_id, int) and 0 < item_id < 2**63 else None)
    if item is None:
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    if for_update:
        lock_board(item.group_id)
        db.session.refresh(item)
    actor = actor_for(user, item.group_id)
    if not actor.can_see_group():
        raise NotFound(N_("No item %(item_id)s."), params={"item_id": item_id})
    return item, actor


def load_editable_item(user, item_id, *, for_update=True):
    """``load_item`` for a change of the item's content or of what hangs on it
    (attachments, tasks): the user may edit it, it is not in the trash and its state
    still takes edits. Raises NotFound, Forbidden, Conflict."""
    from ..domain import permissions as perm
    from ..domain import states as st

    item, actor = load_item(user, item_id, for_update=for_update)
    perm.require(actor, perm.EDIT_ITEM)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it before editing."))
    if item.state not in st.EDITABLE_STATES:
        raise Conflict(N_("An item that is '%(state)s' can no longer be edited."),
                       params={"state": st.state_name(item.state)})
    return item


def network_holidays():
    """The public holidays working days skip: ``PUBLIC_HOLIDAYS_COUNTRY`` (FR) and,
    when set, the network's region ``PUBLIC_HOLIDAYS_SUBDIV``."""
    from flask import current_app

    return review_rules.public_holidays(current_app.config.get("PUBLIC_HOLIDAYS_COUNTRY", "FR"),
                                        current_app.config.get("PUBLIC_HOLIDAYS_SUBDIV") or None)
