"""The role × action table: which roles may do what, outside the state
machine's transitions (those live in ``states.py``).

Roles here are relative to the group of the object acted on: ``agent`` and
``lead`` are memberships of that group; ``coordinator`` and ``admin`` are
network-wide. ``author`` means the actor wrote the item.
"""
from .errors import N_, Forbidden, NotFound, Text
from .roles import ADMIN, AGENT, COORDINATOR, LEAD, Actor
from .states import PROPOSED

AUTHOR = "author"

VIEW_GROUP = "group.view"
CREATE_ITEM = "item.create"
EDIT_ITEM = "item.edit"
MOVE_ITEM = "item.move"  # reorder inside a column
DELETE_ITEM = "item.delete"
RESTORE_ITEM = "item.restore"
COMMENT = "comment.create"
REVIEW = "review.create"
SET_WIP_LIMITS = "group.set_wip_limits"
# Members create a label by typing a new name; leads rename, recolour and delete them.
CREATE_LABEL = "label.create"
MANAGE_LABELS = "label.manage"
MANAGE_USERS = "user.manage"
MANAGE_GROUPS = "group.manage"

TABLE = {
    VIEW_GROUP: {AGENT, LEAD, COORDINATOR, ADMIN},
    CREATE_ITEM: {AGENT, LEAD, COORDINATOR, ADMIN},
    EDIT_ITEM: {AGENT, LEAD, COORDINATOR, ADMIN},
    MOVE_ITEM: {AGENT, LEAD, COORDINATOR, ADMIN},
    DELETE_ITEM: {AUTHOR, LEAD, COORDINATOR, ADMIN},
    RESTORE_ITEM: {AUTHOR, LEAD, COORDINATOR, ADMIN},
    COMMENT: {AGENT, LEAD, COORDINATOR, ADMIN},
    REVIEW: {LEAD},
    SET_WIP_LIMITS: {LEAD, COORDINATOR, ADMIN},
    CREATE_LABEL: {AGENT, LEAD, COORDINATOR, ADMIN},
    MANAGE_LABELS: {LEAD, COORDINATOR, ADMIN},
    MANAGE_USERS: {ADMIN},
    MANAGE_GROUPS: {ADMIN},
}

# What each action is, as words for a sentence ("You may not %(action)s.").
ACTION_LABELS = {
    VIEW_GROUP: N_("see this group"),
    CREATE_ITEM: N_("propose items in this group"),
    EDIT_ITEM: N_("edit this item"),
    MOVE_ITEM: N_("reorder this board"),
    DELETE_ITEM: N_("delete this item"),
    RESTORE_ITEM: N_("restore this item"),
    COMMENT: N_("comment on this item"),
    REVIEW: N_("review this item"),
    SET_WIP_LIMITS: N_("set this board's limits"),
    CREATE_LABEL: N_("create labels in this group"),
    MANAGE_LABELS: N_("manage this group's labels"),
    MANAGE_USERS: N_("manage accounts"),
    MANAGE_GROUPS: N_("manage working groups"),
}
# The refusal for each action, whole sentences so the door can translate them.
REFUSALS = {
    VIEW_GROUP: N_("You may not see this group."),
    CREATE_ITEM: N_("You may not propose items in this group."),
    EDIT_ITEM: N_("You may not edit this item."),
    MOVE_ITEM: N_("You may not reorder this board."),
    DELETE_ITEM: N_("You may not delete this item."),
    RESTORE_ITEM: N_("You may not restore this item."),
    COMMENT: N_("You may not comment on this item."),
    REVIEW: N_("You may not review this item."),
    SET_WIP_LIMITS: N_("You may not set this board's limits."),
    CREATE_LABEL: N_("You may not create labels in this group."),
    MANAGE_LABELS: N_("Only a lead of the group may rename, recolour or delete its labels."),
    MANAGE_USERS: N_("You may not manage accounts."),
    MANAGE_GROUPS: N_("You may not manage working groups."),
}
# The states in which an author without a lead's rights may trash (and restore) her own item:
# once a lead has approved it, taking it off the board is a lead's decision.
AUTHOR_TRASHABLE_STATES = (PROPOSED,)
TRASH_REFUSALS = {
    DELETE_ITEM: N_("You may trash only your own items while they are proposed: a lead of the group can trash "
                    "this one."),
    RESTORE_ITEM: N_("You may restore only your own proposals: a lead of the group can restore this one."),
}
NOT_FOUND = {"item": N_("No such item."), "group": N_("No such group.")}


def is_allowed(actor: Actor, action: str, *, is_author: bool = False) -> bool:
    allowed = TABLE[action]
    if is_author and AUTHOR in allowed and actor.can_see_group():
        return True
    return bool(actor.roles & allowed)


def check_visible(actor: Actor, what="item"):
    """Another group's things do not exist for an outsider: 404, not 403."""
    if not actor.can_see_group():
        raise NotFound(NOT_FOUND.get(what) or N_("It does not exist, or you may not see it."))


def require(actor: Actor, action: str, *, is_author: bool = False):
    """Raise NotFound if the group is invisible to the actor, Forbidden if the
    action is not theirs to make."""
    if action not in (MANAGE_USERS, MANAGE_GROUPS):
        check_visible(actor)
    if not is_allowed(actor, action, is_author=is_author):
        if action in REFUSALS:
            raise Forbidden(REFUSALS[action])
        raise Forbidden(N_("You may not %(action)s."), params={"action": Text(ACTION_LABELS[action])})


def require_trash(actor: Actor, action: str, *, is_author: bool, state: str):
    """Trash (``DELETE_ITEM``) or restore (``RESTORE_ITEM``) an item in ``state``: a lead,
    coordinator or admin any item of their groups; its author her own proposal. Raises
    NotFound (group invisible), Forbidden."""
    check_visible(actor)
    if is_allowed(actor, action):
        return
    if is_author and state in AUTHOR_TRASHABLE_STATES and is_allowed(actor, action, is_author=True):
        return
    raise Forbidden(TRASH_REFUSALS[action], rule="permission")
