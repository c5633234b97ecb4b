"""The publication state machine: the states of an item, the transitions
between them and who may make each. The single place where this is decided."""
from dataclasses import dataclass

from .errors import N_, Conflict, Forbidden, Invalid, Text, either, in_turn
from .roles import ADMIN, AGENT, COORDINATOR, LEAD, SYSTEM, Actor

PROPOSED = "proposed"
IN_REVIEW = "in_review"
APPROVED = "approved"
REJECTED = "rejected"
SCHEDULED = "scheduled"
PUBLISHED = "published"
ARCHIVED = "archived"

STATES = (PROPOSED, IN_REVIEW, APPROVED, SCHEDULED, PUBLISHED, REJECTED, ARCHIVED)
BOARD_COLUMNS = (PROPOSED, IN_REVIEW, APPROVED, SCHEDULED, PUBLISHED)
HIDDEN_COLUMNS = (REJECTED, ARCHIVED)
# States whose content can still be edited.
EDITABLE_STATES = (PROPOSED, IN_REVIEW, APPROVED, SCHEDULED)
# Content edits of these states, by anyone, send the item back to review.
APPROVAL_COVERED_STATES = (APPROVED, SCHEDULED)
# Not a state: the board's column of deleted items (shown with ?hidden=1).
TRASH_COLUMN = "trash"
# What an approval covers: the item's content. The one definition every door applies (an edit
# of one of these on an approved or scheduled item sends it back to review; the review
# snapshot and its diff compare them).
CONTENT_FIELDS = ("title", "summary", "body", "resource_url", "resource_type", "attachments")

# The rule a four-eyes refusal names (``exc.extra["rule"]``), so a bulk refusal can say which rule.
FOUR_EYES = "four_eyes"

# What the pages call each state (English msgids; workflow/i18n.py translates them).
STATE_NAMES = {
    PROPOSED: N_("Proposed"),
    IN_REVIEW: N_("In review"),
    APPROVED: N_("Approved"),
    SCHEDULED: N_("Scheduled"),
    PUBLISHED: N_("Published"),
    REJECTED: N_("Rejected"),
    ARCHIVED: N_("Archived"),
}


def state_name(state):
    """A state as a message param: its key in ``exc.detail`` ('in_review'), its name
    for the reader ("In review", « En relecture »). An unknown state stays as it is."""
    return Text(STATE_NAMES[state], plain=state) if state in STATE_NAMES else state


# Who may make a transition. "author" is a relation to the item, not a role.
AUTHOR = "author"
MEMBER = "member"  # agent or lead of the item's group
# Who may make a transition, as words for a message.
WHO_NAMES = {
    AUTHOR: N_("the author"),
    MEMBER: N_("a member of the group"),
    LEAD: N_("a lead of the group"),
    COORDINATOR: N_("a coordinator"),
    ADMIN: N_("an admin"),
    SYSTEM: N_("the scheduler"),
}

SUBMIT = "submit"
WITHDRAW = "withdraw"
REQUEST_CHANGES = "request_changes"
APPROVE = "approve"
REJECT = "reject"
SCHEDULE = "schedule"
UNSCHEDULE = "unschedule"
PUBLISH = "publish"
ARCHIVE = "archive"
UNARCHIVE = "unarchive"
# Transitions the system makes as the consequence of something else, never offered as a move:
SEND_BACK = "send_back"  # a content edit of an approved or scheduled item, whoever makes it
EXPIRE_LICENCE = "expire_licence"  # the daily run, when an item's licence has ended
RESTORE_SLOT = "restore_slot"  # the re-approval of an item sent back while scheduled: back on its held slot


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str | None  # None: "where it was before" (unarchive)
    allowed: frozenset  # of AUTHOR, MEMBER, LEAD, COORDINATOR, ADMIN, SYSTEM
    needs_comment: bool = False
    four_eyes: bool = False  # the item's author may not make it
    description: str = ""  # a verb for a sentence ("approve"), marked with N_()
    automatic: bool = False  # made as a consequence (an edit, a date), not chosen: no column offers it

    def who(self):
        """Who may make it, as words for a message: "a lead of the group or a coordinator"."""
        order = [AUTHOR, MEMBER, LEAD, COORDINATOR, ADMIN, SYSTEM]
        text = either([Text(WHO_NAMES[w]) for w in order if w in self.allowed])
        if self.four_eyes:
            text = Text(N_("%(who)s (not the item's author)"), {"who": text})
        return text

    def verb(self):
        """The transition as a verb in a sentence: "Only … may %(action)s this item"."""
        return Text(self.description)

    def named(self):
        """The transition as a param: its action key in ``exc.detail`` ('submit'), its
        description for the reader ("submit for review")."""
        return Text(self.description, plain=self.action)



def _t(action, source, target, allowed, **kw):
    return Transition(action, source, target, frozenset(allowed), **kw)


TRANSITIONS = (
    _t(SUBMIT, PROPOSED, IN_REVIEW, {AUTHOR, MEMBER}, description=N_("submit for review")),
    _t(WITHDRAW, IN_REVIEW, PROPOSED, {AUTHOR}, description=N_("withdraw from review")),
    _t(REQUEST_CHANGES, IN_REVIEW, PROPOSED, {LEAD}, needs_comment=True, four_eyes=True,
       description=N_("request changes")),
    _t(APPROVE, IN_REVIEW, APPROVED, {LEAD}, four_eyes=True, description=N_("approve")),
    _t(REJECT, IN_REVIEW, REJECTED, {LEAD}, needs_comment=True, four_eyes=True, description=N_("reject")),
    _t(SCHEDULE, APPROVED, SCHEDULED, {LEAD, COORDINATOR}, description=N_("schedule")),
    _t(UNSCHEDULE, SCHEDULED, APPROVED, {LEAD, COORDINATOR}, description=N_("unschedule")),
    _t(PUBLISH, SCHEDULED, PUBLISHED, {COORDINATOR, SYSTEM}, description=N_("publish now")),
    _t(ARCHIVE, PUBLISHED, ARCHIVED, {LEAD, COORDINATOR}, description=N_("archive")),
    _t(ARCHIVE, REJECTED, ARCHIVED, {LEAD, COORDINATOR}, description=N_("archive")),
    _t(UNARCHIVE, ARCHIVED, None, {LEAD, COORDINATOR}, description=N_("restore from archive")),
    *(_t(SEND_BACK, source, IN_REVIEW, {AUTHOR, MEMBER, LEAD, COORDINATOR}, automatic=True,
         description=N_("send back to review")) for source in APPROVAL_COVERED_STATES),
    _t(RESTORE_SLOT, APPROVED, SCHEDULED, {SYSTEM}, automatic=True, description=N_("put back on its held slot")),
    *(_t(EXPIRE_LICENCE, source, ARCHIVED, {SYSTEM}, automatic=True, description=N_("withdraw at the end of its licence"))
      for source in (APPROVED, SCHEDULED, PUBLISHED)),
)

# Why the item's author may not make a four-eyes transition, one sentence per decision.
FOUR_EYES_REFUSALS = {
    APPROVE: N_("You may not approve an item you authored (four-eyes rule): another lead of the group must do it."),
    REQUEST_CHANGES: N_("You may not request changes on an item you authored (four-eyes rule): another lead of the "
                        "group must review it."),
    REJECT: N_("You may not reject an item you authored (four-eyes rule): another lead of the group must review it."),
}

# Actions reached through a review decision rather than a plain transition.
REVIEW_DECISIONS = {"approve": APPROVE, "request_changes": REQUEST_CHANGES, "reject": REJECT}


def transitions_from(state, *, automatic=False):
    """The transitions out of ``state`` a person may choose (with ``automatic``, also
    those the system makes as a consequence)."""
    return [t for t in TRANSITIONS if t.source == state and (automatic or not t.automatic)]


def _qualifies(transition, actor: Actor, is_author: bool):
    """Whether the actor holds one of the transition's roles (before four-eyes)."""
    allowed = transition.allowed
    if AUTHOR in allowed and is_author:
        return True
    if MEMBER in allowed and actor.is_member:
        return True
    if LEAD in allowed and actor.is_lead:
        return True
    if COORDINATOR in allowed and (actor.is_coordinator or actor.is_admin):
        # Admins hold coordinator rights on the workflow.
        return True
    if SYSTEM in allowed and actor.is_system:
        return True
    return False


def describe_allowed(state):
    """A sentence listing the transitions allowed from ``state`` and for whom (a
    :class:`Text`, so that a refusal that quotes it is translated whole)."""
    options = transitions_from(state)
    if not options:
        return Text(N_("No transition is possible from '%(state)s'."), {"state": state_name(state)})
    parts = [Text(N_("'%(action)s' to '%(target)s' by %(who)s"),
                  {"action": t.named(), "target": state_name(t.target) if t.target else Text(N_("its previous state")),
                   "who": t.who()})
             for t in options]
    return Text(N_("From '%(state)s' the allowed transitions are: %(transitions)s."),
                {"state": state_name(state), "transitions": in_turn(parts)})


def action_name(action):
    """An action as a message param: its key in ``exc.detail``, its description for the reader."""
    known = next((t for t in TRANSITIONS if t.action == action), None)
    return known.named() if known else action


def allowed_actions(state, actor: Actor, is_author: bool):
    """The transitions this actor may make now (used to show only possible moves)."""
    return [
        t for t in transitions_from(state)
        if _qualifies(t, actor, is_author) and not (t.four_eyes and is_author)
    ]


def decide(state, action, actor: Actor, *, is_author: bool, comment: str | None = None,
           previous_state: str | None = None):
    """Check that ``actor`` may apply ``action`` to an item in ``state``.

    Returns the target state. Raises Conflict when the action does not exist
    from this state, Forbidden when the actor may not make it (four-eyes rule
    included), Invalid when a required comment is missing.
    """
    candidates = [t for t in transitions_from(state, automatic=True) if t.action == action]
    if not candidates:
        raise Conflict(
            N_("Cannot '%(action)s' an item that is '%(state)s'. %(allowed)s"),
            params={"action": action_name(action), "state": state_name(state), "allowed": describe_allowed(state)},
            allowed=[t.action for t in transitions_from(state)],
        )
    transition = candidates[0]
    return _apply(transition, actor, is_author, comment, previous_state)


def _apply(transition, actor, is_author, comment, previous_state):
    if not _qualifies(transition, actor, is_author):
        raise Forbidden(N_("Only %(who)s may %(action)s this item."),
                        params={"who": transition.who(), "action": transition.verb()})
    if transition.four_eyes and is_author:
        raise Forbidden(FOUR_EYES_REFUSALS[transition.action], rule=FOUR_EYES)
    if transition.needs_comment and not (comment and comment.strip()):
        raise Invalid(
            N_("A comment is required to %(action)s."), params={"action": transition.verb()},
            errors={"comment": [N_("A comment is required for this decision.")]},
        )
    if transition.target is None:
        return previous_state or PUBLISHED
    return transition.target


def decide_target(state, target, actor: Actor, *, is_author: bool, comment: str | None = None,
                  previous_state: str | None = None):
    """Like :func:`decide`, for a move to a target column.

    Returns ``(action, target)``. Where several transitions lead to the same
    column (withdraw and request changes both go back to ``proposed``) the
    first one this actor qualifies for wins, so an author withdraws and a lead
    requests changes.
    """
    if target not in STATES:
        raise Invalid(N_("Unknown state '%(state)s'."), params={"state": target},
                      errors={"to": [Text(N_("Must be one of: %(choices)s."), {"choices": ", ".join(STATES)})]})
    if target == state:
        raise Conflict(N_("The item is already '%(state)s'."), params={"state": state_name(state)})
    candidates = [
        t for t in transitions_from(state)
        if t.target == target or (t.target is None and target == (previous_state or PUBLISHED))
    ]
    if not candidates:
        raise Conflict(
            N_("An item cannot go from '%(source)s' to '%(target)s'. %(allowed)s"),
            params={"source": state_name(state), "target": state_name(target), "allowed": describe_allowed(state)},
            allowed=[t.target or previous_state for t in transitions_from(state)],
        )
    for t in candidates:
        if _qualifies(t, actor, is_author) and not (t.four_eyes and is_author):
            return t.action, _apply(t, actor, is_author, comment, previous_state)
    # Nobody-qualifies: report the first candidate's reason.
    return candidates[0].action, _apply(candidates[0], actor, is_author, comment, previous_state)


def edit_sends_back_to_review(state, changed_fields, actor: Actor | None = None):
    """An approval covers the content approved: anyone (author, lead, coordinator)
    editing content of an approved or scheduled item sends it back to review, so
    no content reaches the public that a second pair of eyes has not read.
    ``actor`` is kept for the callers; whoever edits, the rule is the same."""
    if state not in APPROVAL_COVERED_STATES:
        return False
    return any(f in CONTENT_FIELDS for f in changed_fields)


def holds_slot_when_sent_back(state):
    """A scheduled item sent back to review keeps its slot, held until it is
    approved again (the calendar shows it pending and counts it against capacity)."""
    return state == SCHEDULED


__all__ = [
    "STATES", "BOARD_COLUMNS", "TRANSITIONS", "decide", "decide_target", "allowed_actions",
    "describe_allowed", "edit_sends_back_to_review", "AGENT", "LEAD", "COORDINATOR", "ADMIN",
]
