"""Who may trash or restore an item, and how a bulk action combines a card's list: pure
domain rules, no app, no database."""
import pytest

from workflow.domain import permissions as perm
from workflow.domain import states as st
from workflow.domain.bulk import ADD, REMOVE, SET, merged
from workflow.domain.errors import Forbidden, NotFound
from workflow.domain.roles import Actor

AGENT = Actor(user_id=1, group_role="agent")
LEAD = Actor(user_id=2, group_role="lead")
COORDINATOR = Actor(user_id=3, is_coordinator=True)
OUTSIDER = Actor(user_id=4)


@pytest.mark.parametrize("action", [perm.DELETE_ITEM, perm.RESTORE_ITEM])
def test_an_agent_trashes_and_restores_only_her_own_proposal(action):
    perm.require_trash(AGENT, action, is_author=True, state=st.PROPOSED)
    for state in (st.IN_REVIEW, st.APPROVED, st.SCHEDULED, st.PUBLISHED):
        with pytest.raises(Forbidden) as refused:
            perm.require_trash(AGENT, action, is_author=True, state=state)
        assert refused.value.extra["rule"] == "permission"
    with pytest.raises(Forbidden):
        perm.require_trash(AGENT, action, is_author=False, state=st.PROPOSED)


@pytest.mark.parametrize("actor", [LEAD, COORDINATOR])
def test_a_lead_or_coordinator_trashes_any_item(actor):
    for state in st.STATES:
        perm.require_trash(actor, perm.DELETE_ITEM, is_author=False, state=state)


def test_an_outsider_does_not_see_the_item_even_her_own():
    with pytest.raises(NotFound):
        perm.require_trash(OUTSIDER, perm.DELETE_ITEM, is_author=True, state=st.PROPOSED)


def test_a_four_eyes_refusal_names_its_rule():
    with pytest.raises(Forbidden) as refused:
        st.decide(st.IN_REVIEW, st.APPROVE, LEAD, is_author=True)
    assert refused.value.extra["rule"] == st.FOUR_EYES


def test_a_card_s_list_is_added_to_removed_from_or_set():
    assert merged(["a", "b"], ["b", "c"], ADD) == ["a", "b", "c"]
    assert merged(["a", "b"], ["b", "c"], REMOVE) == ["a"]
    assert merged(["a", "b"], ["c", "c"], SET) == ["c"]
