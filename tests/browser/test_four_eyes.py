"""Four-eyes in the board's panel: on an item she wrote, a lead sees the review
section with all three decisions disabled and the reason under them; on another's
item the same lead may decide."""
import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser

DECISIONS = ("approve", "request_changes", "reject")


def decision(page, value):
    return page.locator(f'#review-section [data-decision="{value}"]')


def test_lead_cannot_decide_on_own_item_in_the_panel(open_board, board_group, make_items):
    own, other = make_items(board_group, [("chloe", "Ma sélection polars", "in_review"),
                                          ("alice", "Sélection d'Alice", "in_review")])
    page = open_board("chloe", board_group, query=f"?item={own}")
    expect(page.locator("#review-section")).to_be_visible()
    for value in DECISIONS:
        expect(decision(page, value)).to_be_disabled()
        expect(decision(page, value)).to_have_attribute("aria-describedby", "review-own")
    expect(page.locator("#review-own")).to_be_visible()
    expect(page.locator("#review-own")).to_have_text(
        "Vous êtes l'auteur·rice de cet élément : un·e autre responsable du groupe doit le relire "
        "(règle des quatre yeux).")
    page.locator("#review-section").scroll_into_view_if_needed()
    shot(page, "four-eyes-panel-own")

    page.goto(f"/groups/{board_group}/board?item={other}")
    expect(page.locator("#panel-title")).to_have_text("Sélection d'Alice")
    for value in DECISIONS:
        expect(decision(page, value)).to_be_enabled()
    expect(page.locator("#review-own")).to_be_hidden()


def test_lead_sees_the_reason_on_a_phone(open_board, board_group, make_items):
    [own] = make_items(board_group, [("louis", "Sélection de Louis", "in_review")])
    page = open_board("louis", board_group, width=390, height=844, query=f"?item={own}")
    expect(page.locator("#review-own")).to_be_visible()
    expect(decision(page, "reject")).to_be_disabled()
    page.locator("#review-own").scroll_into_view_if_needed()
    shot(page, "four-eyes-panel-own-phone")
