"""« Suivre » in the item panel: a person follows a card someone else proposed, another
person comments on it from their own browser, and the follower's bell counts it live."""
import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser


def unread(page):
    return int(page.locator("#bell").get_attribute("data-unread") or 0)


def test_a_follower_hears_live_of_someone_elses_comment(open_board, board_group, make_items):
    [item_id] = make_items(board_group, [("alice", "Atelier BD numérique", "proposed")])
    anna = open_board("anna", board_group)
    expect(anna.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
    anna.locator(f"#card-{item_id} .card-title").click()
    toggle = anna.locator("#follow-toggle")
    expect(toggle).to_be_visible(timeout=5000)
    expect(toggle).to_have_text("Suivre")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(anna.locator("#follow-count")).to_have_text("1 personne suit cet élément")  # the author

    toggle.focus()
    anna.keyboard.press("Enter")  # a keyboard press, as a button takes
    expect(toggle).to_have_attribute("aria-pressed", "true", timeout=5000)
    expect(toggle).to_have_text("Ne plus suivre")
    expect(anna.locator("#follow-count")).to_have_text("2 personnes suivent cet élément")
    shot(anna, "follow-panel")
    before = unread(anna)

    chloe = open_board("chloe", board_group)
    chloe.locator(f"#card-{item_id} .card-title").click()
    expect(chloe.locator("#follow-toggle")).to_be_visible(timeout=5000)  # the panel has loaded
    expect(chloe.locator("#follow-toggle")).to_have_text("Suivre")
    expect(chloe.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
    chloe_before = unread(chloe)
    chloe.locator("#comment-add-text").fill("Pensez à la **durée exacte** de l'atelier.")
    chloe.locator("#comment-add-form button[type=submit]").click()

    expect(anna.locator("#bell")).to_have_attribute("data-unread", str(before + 1), timeout=5000)
    expect(anna.locator("#bell-count")).to_be_visible()
    # The commenter now follows too, and her own comment did not ring her bell (the pushes
    # of one change leave together: anna's has arrived).
    expect(chloe.locator("#follow-toggle")).to_have_attribute("aria-pressed", "true", timeout=5000)
    assert unread(chloe) == chloe_before


def test_following_at_phone_size(open_board, board_group, make_items):
    [item_id] = make_items(board_group, [("alice", "Heure du conte", "proposed")])
    anna = open_board("anna", board_group, width=390, height=844)
    anna.locator(f"#card-{item_id} .card-title").click()
    toggle = anna.locator("#follow-toggle")
    expect(toggle).to_have_text("Suivre", timeout=5000)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true", timeout=5000)
    box = toggle.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(anna, "follow-panel-phone")
    anna.emulate_media(color_scheme="dark")
    shot(anna, "follow-panel-phone-dark")


def test_a_comment_cannot_be_typed_before_the_panel_has_its_item(open_board, board_group, make_items):
    """On a slow line the panel opens before its item arrives: the comment box waits, disabled,
    rather than taking a comment it would silently drop."""
    [item_id] = make_items(board_group, [("alice", "Club lecture ados", "proposed")])
    chloe = open_board("chloe", board_group)
    held = []
    chloe.route(f"**/api/v1/items/{item_id}", lambda route: held.append(route))  # the item's load waits here
    chloe.locator(f"#card-{item_id} .card-title").click()
    chloe.wait_for_function("() => document.getElementById('panel').open")
    expect(chloe.locator("#comment-add-text")).to_be_disabled()
    expect(chloe.locator("#comment-add-form button[type=submit]")).to_be_disabled()

    assert held, "the panel asked for its item"
    held[0].continue_()
    expect(chloe.locator("#comment-add-text")).to_be_enabled(timeout=5000)
    chloe.locator("#comment-add-text").fill("Ajouter la tranche d'âge.")
    chloe.locator("#comment-add-form button[type=submit]").click()
    expect(chloe.locator("#comments-list")).to_contain_text("Ajouter la tranche d'âge.", timeout=5000)
