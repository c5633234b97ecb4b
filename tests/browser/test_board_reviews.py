"""The board and the review features: links from notifications (?item=<id>), who took a
review (live, on everyone's board), review rounds with their diff, and the two-approval rule."""
import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser


def card(page, item_id):
    return page.locator(f"#card-{item_id}")


def as_user(username, fn):
    """Run ``fn(user)`` with the User row of ``username`` (inside the app's context)."""
    from workflow.extensions import db
    from workflow.models import User

    return fn(db.session.query(User).filter_by(username=username).one())


def test_link_with_item_opens_its_panel(open_board, board_group, make_items):
    [item_id] = make_items(board_group, [("alice", "Fonds Méliès numérisé", "in_review")])
    page = open_board("anna", board_group, query=f"?item={item_id}")
    expect(page.locator("#panel")).to_be_visible()
    expect(page.locator("#panel-title")).to_have_text("Fonds Méliès numérisé")


def test_link_to_a_trashed_item_opens_its_panel_with_a_note(open_board, board_group, make_items, seed):
    [item_id] = make_items(board_group, [("alice", "Ancienne sélection", "proposed")])

    def trash():
        from workflow.services import items as item_service
        as_user("alice", lambda u: item_service.delete_item(u, item_id))

    seed(trash)
    page = open_board("alice", board_group, query=f"?item={item_id}")
    expect(page.locator("#panel-title")).to_have_text("Ancienne sélection")
    expect(page.locator("#panel-others")).to_contain_text("n’est pas affiché sur le tableau")


def test_link_to_a_missing_item_says_so(open_board, board_group):
    page = open_board("alice", board_group, query="?item=987654")
    expect(page.locator("#toast-text")).to_contain_text("n’existe plus ou vous n’y avez pas accès")
    expect(page.locator("#panel")).to_be_hidden()


def test_claim_shows_live_on_another_browser(open_board, board_group, make_items):
    [item_id] = make_items(board_group, [("alice", "Cycle Varda", "in_review")])
    alice = open_board("alice", board_group)
    expect(card(alice, item_id).locator(".claimed")).to_be_hidden()
    chloe = open_board("chloe", board_group, query=f"?item={item_id}")
    expect(chloe.locator("#claim-status")).to_contain_text("Personne ne s’occupe")
    chloe.locator("#claim-take").click()
    expect(chloe.locator("#claim-status")).to_have_text("Vous relisez cette fiche.")
    expect(card(alice, item_id).locator(".claimed")).to_have_text("Relu par Chloe", timeout=3000)
    shot(chloe, "board-claim-panel")
    shot(alice, "board-claim-card")
    chloe.locator("#claim-release").click()
    expect(card(alice, item_id).locator(".claimed")).to_be_hidden(timeout=3000)


def test_claimed_card_is_rendered_with_its_badge(open_board, board_group, make_items, seed):
    [item_id] = make_items(board_group, [("alice", "Cycle Agnès", "in_review")])

    def claim():
        from workflow.services import workflow as workflow_service
        as_user("louis", lambda u: workflow_service.claim_item(u, item_id))

    seed(claim)
    page = open_board("anna", board_group)
    expect(card(page, item_id).locator(".claimed")).to_have_text("Relu par Louis")


def test_rounds_show_submitter_diff_and_decision_after_changes_and_resubmit(open_board, board_group, make_items,
                                                                              seed):
    [item_id] = make_items(board_group, [("alice", "Westerns italiens", "in_review")])

    def cycle():
        from workflow.services import items as item_service
        from workflow.services import workflow as workflow_service
        as_user("chloe", lambda u: workflow_service.review_item(u, item_id, "request_changes",
                                                            "Précisez la période, merci."))
        item = as_user("alice", lambda u: item_service.update_item(
            u, item_id, {"title": "Westerns italiens (1964-1975)"}, None))
        as_user("alice", lambda u: workflow_service.transition_item(u, item_id, "in_review"))
        return item

    seed(cycle)
    page = open_board("chloe", board_group, query=f"?item={item_id}")
    rounds = page.locator("#rounds-list > li")
    expect(rounds).to_have_count(2)
    latest, first = rounds.nth(0), rounds.nth(1)
    expect(latest.locator("h4")).to_have_text("Tour 2 · en cours")
    expect(latest.locator(".round-submit")).to_contain_text("Soumis par Alice")
    expect(latest.locator(".diff-add")).to_have_text("+ Westerns italiens (1964-1975)")
    expect(latest.locator(".diff-del")).to_have_text("− Westerns italiens")
    expect(first.locator(".round-decisions")).to_contain_text("Chloe")
    expect(first.locator(".round-decisions")).to_contain_text("Modifications demandées")
    expect(first.locator("blockquote")).to_have_text("Précisez la période, merci.")
    page.locator("#rounds-section").scroll_into_view_if_needed()
    shot(page, "board-review-rounds")


def test_first_of_two_approvals_keeps_the_card_and_shows_1_of_2(open_board, board_group, make_items, seed):
    [item_id] = make_items(board_group, [("alice", "Ciné-concerts", "in_review")])

    def two_approvals():
        from workflow.extensions import db
        from workflow.models import Group
        db.session.get(Group, board_group).required_approvals = 2
        db.session.commit()

    seed(two_approvals)
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group, query=f"?item={item_id}")
    chloe.locator("#review-approve").click()
    expect(chloe.locator("#review-approvals")).to_contain_text("1 approbation sur 2", timeout=3000)
    expect(chloe.locator(f'.column[data-state="in_review"] #card-{item_id}')).to_have_count(1)
    alice.locator(f"#card-{item_id} .card-title").click()
    expect(alice.locator("#review-approvals")).to_be_hidden()  # not a lead: no decision section
    expect(alice.locator(f'.column[data-state="in_review"] #card-{item_id}')).to_have_count(1)
    shot(chloe, "board-two-approvals")
