"""The publication state machine, checked against the spec written out here
as explicit tables (never derived from the code under test)."""
import pytest

from workflow.domain import states as st
from workflow.domain.errors import Conflict, Forbidden, Invalid
from workflow.domain.roles import AGENT, LEAD, SYSTEM_ACTOR, Actor

# --- Who is acting: (actor, is_author) -------------------------------------
ACTORS = {
    "author": (Actor(user_id=1, group_role=AGENT), True),
    "agent": (Actor(user_id=2, group_role=AGENT), False),
    "lead": (Actor(user_id=3, group_role=LEAD), False),
    "lead_author": (Actor(user_id=4, group_role=LEAD), True),
    "coordinator": (Actor(user_id=5, is_coordinator=True), False),
    "admin": (Actor(user_id=6, is_admin=True), False),
    "outsider": (Actor(user_id=7), False),
    "system": (SYSTEM_ACTOR, False),
}

ALL_STATES = ("proposed", "in_review", "approved", "scheduled", "published", "rejected", "archived")
ALL_ACTIONS = ("submit", "withdraw", "request_changes", "approve", "reject",
               "schedule", "unschedule", "publish", "archive", "unarchive")

LEADS = {"lead", "lead_author"}
COORDINATORS = {"coordinator", "admin"}  # admin holds coordinator rights
LEADS_OR_COORDINATORS = LEADS | COORDINATORS

# Where an item archived from ``published`` goes back to when unarchived.
ARCHIVED_FROM = "published"

# The spec: (state, action) -> (target, roles allowed, comment required).
# Every (state, action) not listed here is a Conflict.
SPEC = {
    ("proposed", "submit"): ("in_review", {"author", "agent", "lead", "lead_author"}, False),
    ("in_review", "withdraw"): ("proposed", {"author", "lead_author"}, False),
    # Four-eyes: no decision of a review is ever the author's.
    ("in_review", "request_changes"): ("proposed", {"lead"}, True),
    ("in_review", "approve"): ("approved", {"lead"}, False),
    ("in_review", "reject"): ("rejected", {"lead"}, True),
    ("approved", "schedule"): ("scheduled", LEADS_OR_COORDINATORS, False),
    ("scheduled", "unschedule"): ("approved", LEADS_OR_COORDINATORS, False),
    ("scheduled", "publish"): ("published", COORDINATORS | {"system"}, False),
    ("published", "archive"): ("archived", LEADS_OR_COORDINATORS, False),
    ("rejected", "archive"): ("archived", LEADS_OR_COORDINATORS, False),
    ("archived", "unarchive"): (ARCHIVED_FROM, LEADS_OR_COORDINATORS, False),
}

# What each state offers, for the Conflict message.
ALLOWED_FROM = {
    state: sorted(action for (source, action) in SPEC if source == state) for state in ALL_STATES
}


def _cases():
    for state in ALL_STATES:
        for action in ALL_ACTIONS:
            for role in ACTORS:
                if (state, action) not in SPEC:
                    expected = "conflict"
                elif role in SPEC[(state, action)][1]:
                    expected = "allowed"
                else:
                    expected = "forbidden"
                yield pytest.param(state, action, role, expected, id=f"{state}-{action}-{role}-{expected}")


def _decide(state, action, role, comment=None, previous_state=ARCHIVED_FROM):
    actor, is_author = ACTORS[role]
    return st.decide(state, action, actor, is_author=is_author, comment=comment,
                     previous_state=previous_state)


def test_states_are_exactly_the_seven_of_the_spec():
    assert set(st.STATES) == set(ALL_STATES)


@pytest.mark.parametrize("state, action, role, expected", list(_cases()))
def test_decide_follows_the_spec_for_every_state_action_and_role(state, action, role, expected):
    if expected == "conflict":
        with pytest.raises(Conflict):
            _decide(state, action, role, comment="A reason.")
    elif expected == "forbidden":
        with pytest.raises(Forbidden):
            _decide(state, action, role, comment="A reason.")
    else:
        target, _, needs_comment = SPEC[(state, action)]
        comment = "A reason." if needs_comment else None
        assert _decide(state, action, role, comment=comment) == target


# --- Conflict: the message lists what is possible -------------------------

@pytest.mark.parametrize("state", ALL_STATES)
def test_refused_transition_conflict_lists_the_actions_allowed_from_the_state(state):
    impossible = next(a for a in ALL_ACTIONS if (state, a) not in SPEC)
    with pytest.raises(Conflict) as refused:
        _decide(state, impossible, "admin")
    assert sorted(set(refused.value.extra["allowed"])) == ALLOWED_FROM[state]
    for action in ALLOWED_FROM[state]:
        assert f"'{action}'" in refused.value.detail


def test_conflict_detail_names_the_state_and_the_refused_action():
    with pytest.raises(Conflict) as refused:
        _decide("published", "approve", "lead")
    assert "'approve'" in refused.value.detail
    assert "'published'" in refused.value.detail


# --- Four-eyes rule --------------------------------------------------------

def test_lead_cannot_approve_own_item():
    with pytest.raises(Forbidden) as refused:
        _decide("in_review", "approve", "lead_author")
    assert "four-eyes" in refused.value.detail


def test_another_lead_can_approve_the_item():
    assert _decide("in_review", "approve", "lead") == "approved"


# --- Required comments -----------------------------------------------------

@pytest.mark.parametrize("action", ["request_changes", "reject"])
@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_decision_without_comment_is_invalid_and_names_the_comment_field(action, comment):
    with pytest.raises(Invalid) as refused:
        _decide("in_review", action, "lead", comment=comment)
    assert "comment" in refused.value.errors


@pytest.mark.parametrize("action", ["submit", "approve"])
def test_decision_that_needs_no_comment_succeeds_without_one(action):
    state = "proposed" if action == "submit" else "in_review"
    assert _decide(state, action, "lead", comment=None) == SPEC[(state, action)][0]


def test_wrong_role_is_forbidden_before_the_missing_comment_is_reported():
    with pytest.raises(Forbidden):
        _decide("in_review", "reject", "agent", comment=None)


# --- Unarchive goes back where the item came from --------------------------

@pytest.mark.parametrize("archived_from", ["published", "rejected"])
def test_unarchive_returns_the_item_to_the_state_it_was_archived_from(archived_from):
    assert _decide("archived", "unarchive", "lead", previous_state=archived_from) == archived_from


# --- decide_target: moving a card to a column -----------------------------

def _decide_target(state, target, role, comment=None, previous_state=None):
    actor, is_author = ACTORS[role]
    return st.decide_target(state, target, actor, is_author=is_author, comment=comment,
                            previous_state=previous_state)


def test_author_moving_back_to_proposed_withdraws():
    assert _decide_target("in_review", "proposed", "author") == ("withdraw", "proposed")


def test_lead_author_moving_back_to_proposed_withdraws_without_comment():
    assert _decide_target("in_review", "proposed", "lead_author") == ("withdraw", "proposed")


def test_lead_moving_back_to_proposed_requests_changes():
    assert _decide_target("in_review", "proposed", "lead", comment="Shorter, please.") == (
        "request_changes", "proposed")


def test_lead_moving_back_to_proposed_without_comment_is_invalid():
    with pytest.raises(Invalid) as refused:
        _decide_target("in_review", "proposed", "lead")
    assert "comment" in refused.value.errors


def test_agent_who_is_not_author_cannot_move_back_to_proposed():
    with pytest.raises(Forbidden):
        _decide_target("in_review", "proposed", "agent", comment="No.")


def test_lead_author_moving_to_approved_is_forbidden_by_four_eyes():
    with pytest.raises(Forbidden) as refused:
        _decide_target("in_review", "approved", "lead_author")
    assert "four-eyes" in refused.value.detail


def test_lead_moving_to_approved_approves():
    assert _decide_target("in_review", "approved", "lead") == ("approve", "approved")


def test_coordinator_moving_scheduled_to_published_publishes():
    assert _decide_target("scheduled", "published", "coordinator") == ("publish", "published")


def test_moving_archived_to_its_previous_state_unarchives():
    assert _decide_target("archived", "rejected", "lead", previous_state="rejected") == (
        "unarchive", "rejected")


def test_moving_archived_to_another_state_than_its_previous_one_is_a_conflict():
    with pytest.raises(Conflict):
        _decide_target("archived", "approved", "lead", previous_state="rejected")


def test_moving_to_an_unknown_state_is_invalid():
    with pytest.raises(Invalid) as refused:
        _decide_target("proposed", "limbo", "lead")
    assert "to" in refused.value.errors


def test_moving_to_the_same_state_is_a_conflict():
    with pytest.raises(Conflict):
        _decide_target("approved", "approved", "lead")


def test_moving_to_an_unreachable_column_is_a_conflict_listing_the_allowed_moves():
    with pytest.raises(Conflict) as refused:
        _decide_target("proposed", "published", "admin")
    assert "'submit'" in refused.value.detail
    assert refused.value.extra["allowed"] == ["in_review"]


# --- allowed_actions: what the board offers -------------------------------

@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("role", list(ACTORS))
def test_allowed_actions_offer_exactly_what_the_spec_allows(state, role):
    actor, is_author = ACTORS[role]
    offered = {t.action for t in st.allowed_actions(state, actor, is_author)}
    expected = {action for (source, action), (_, roles, _) in SPEC.items()
                if source == state and role in roles}
    assert offered == expected


def test_allowed_actions_in_review_for_lead_author_exclude_approve():
    actor, is_author = ACTORS["lead_author"]
    offered = [t.action for t in st.allowed_actions("in_review", actor, is_author)]
    assert "approve" not in offered
    assert offered  # withdraw, request changes and reject remain


# --- Editing content after approval ---------------------------------------

@pytest.mark.parametrize("state", ["approved", "scheduled"])
@pytest.mark.parametrize("field", ["title", "summary", "body", "resource_url", "resource_type"])
def test_content_edit_by_non_lead_after_approval_sends_back_to_review(state, field):
    assert st.edit_sends_back_to_review(state, [field], ACTORS["agent"][0]) is True


@pytest.mark.parametrize("state", ["approved", "scheduled"])
@pytest.mark.parametrize("role", ["lead", "coordinator"])
def test_content_edit_by_a_lead_or_coordinator_after_approval_sends_back_to_review(state, role):
    assert st.edit_sends_back_to_review(state, ["title", "body"], ACTORS[role][0]) is True


@pytest.mark.parametrize("state", ["approved", "scheduled"])
def test_edits_outside_the_content_after_approval_keep_the_approval(state):
    assert st.edit_sends_back_to_review(state, ["audience", "labels", "assignees", "channel"],
                                        ACTORS["agent"][0]) is False


def test_only_a_scheduled_item_holds_its_slot_when_sent_back():
    assert st.holds_slot_when_sent_back("scheduled") is True
    assert st.holds_slot_when_sent_back("approved") is False


def test_the_review_snapshot_compares_the_content_the_approval_covers():
    from workflow.domain import reviews as rv

    assert set(rv.SNAPSHOT_FIELDS) == set(st.CONTENT_FIELDS)


@pytest.mark.parametrize("state", ["proposed", "in_review"])
def test_content_edit_before_approval_does_not_send_back_to_review(state):
    assert st.edit_sends_back_to_review(state, ["title", "body"], ACTORS["agent"][0]) is False


def test_mixed_audience_and_content_edit_after_approval_sends_back_to_review():
    assert st.edit_sends_back_to_review("approved", ["audience", "body"], ACTORS["agent"][0]) is True


# ---------------------------------------------------------------- transitions the system makes

def test_the_state_table_holds_the_transitions_the_system_makes():
    from workflow.domain.roles import SYSTEM_ACTOR

    for source in (st.APPROVED, st.SCHEDULED, st.PUBLISHED):
        assert st.decide(source, st.EXPIRE_LICENCE, SYSTEM_ACTOR, is_author=False) == st.ARCHIVED
    assert st.decide(st.SCHEDULED, st.PUBLISH, SYSTEM_ACTOR, is_author=False) == st.PUBLISHED


def test_an_edit_sends_back_to_review_through_the_table():
    agent = Actor(user_id=1, group_role="agent")
    for source in st.APPROVAL_COVERED_STATES:
        assert st.decide(source, st.SEND_BACK, agent, is_author=True) == st.IN_REVIEW


def test_only_the_system_lets_a_licence_expire():
    lead = Actor(user_id=2, group_role="lead")
    with pytest.raises(Forbidden):
        st.decide(st.PUBLISHED, st.EXPIRE_LICENCE, lead, is_author=False)


def test_automatic_transitions_are_never_offered_as_moves():
    coordinator = Actor(user_id=3, is_coordinator=True)
    assert st.EXPIRE_LICENCE not in {t.action for t in st.allowed_actions(st.APPROVED, coordinator, False)}
    with pytest.raises(Conflict):
        st.decide_target(st.APPROVED, st.ARCHIVED, coordinator, is_author=False)
