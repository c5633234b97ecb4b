"""@mentions in the item panel: typing "@ch" in the comment box offers « Chloé Bernard »
(accents ignored), the keyboard chooses, the comment saved links her; the description
field offers the same list, to the mouse too."""
import pytest
from playwright.sync_api import expect

from .conftest import shot
from .people import item_in, named_group

pytestmark = pytest.mark.browser


def open_item(open_board, seed, width=1400, height=900):
    group_id = named_group(seed)
    item_id = item_in(seed, group_id, "amartin", "Cycle Agnès Varda")
    page = open_board("amartin", group_id, width=width, height=height)
    page.locator(f"#card-{item_id} .card-title").click()
    expect(page.locator("#comment-add-text")).to_be_enabled()
    return page, item_id


def test_typing_at_ch_offers_chloe_and_the_keyboard_inserts_her_username(open_board, seed):
    page, _ = open_item(open_board, seed)
    box = page.locator("#comment-add-text")
    box.click()
    box.press_sequentially("Merci @ch")
    options = page.locator("#comment-add-text-mentions [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Chloé Bernard")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-activedescendant", "comment-add-text-mentions-0")
    shot(page, "mentions-picker")
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("Merci @cbernard ")
    expect(page.locator("#comment-add-text-mentions")).to_be_hidden()
    box.press_sequentially("peux-tu relire ? https://example.org/varda")
    page.locator("#comment-add-form button[type=submit]").click()
    comment = page.locator("#comments-list .comment").last
    link = comment.locator("a.mention")
    expect(link).to_have_text("@cbernard")
    expect(link).to_have_attribute("href", "/people/cbernard")
    expect(comment.locator('a[href="https://example.org/varda"]')).to_be_visible()
    page.locator("#comment-add-text").scroll_into_view_if_needed()
    shot(page, "mentions-comment-linked")
    link.click()
    expect(page.locator("h1")).to_have_text("Chloé Bernard")
    shot(page, "mentions-person-page")


def test_escape_closes_the_list_but_not_the_panel_and_inactive_people_are_not_offered(open_board, seed):
    page, _ = open_item(open_board, seed)
    box = page.locator("#comment-add-text")
    box.click()
    box.press_sequentially("Vu avec @l")
    expect(page.locator("#comment-add-text-mentions [role=option]")).to_have_text(["Louis Robert @lrobert"])
    box.press("Escape")
    expect(page.locator("#comment-add-text-mentions")).to_be_hidden()
    expect(page.locator("#panel")).to_be_visible()
    expect(box).to_have_value("Vu avec @l")
    box.fill("")
    # Gaston Fantôme's account is inactive: once the server has answered, nobody is offered.
    with page.expect_response(lambda r: "/members?q=fan" in r.url) as answer:
        box.press_sequentially("@fan")
    assert answer.value.json() == []
    expect(page.locator("#comment-add-text-mentions")).to_be_hidden()
    expect(page.locator("#comment-add-text-mentions [role=option]")).to_have_count(0)


def test_the_description_offers_members_to_the_mouse_on_a_phone(open_board, seed):
    page, _ = open_item(open_board, seed, width=390, height=844)
    body = page.locator("#edit-body")
    body.scroll_into_view_if_needed()
    body.click()
    body.press_sequentially("Relecture : @chlo")
    option = page.locator("#edit-body-mentions [role=option]").first
    expect(option).to_contain_text("Chloé Bernard")
    shot(page, "mentions-picker-phone")
    option.click()
    expect(body).to_have_value("Relecture : @cbernard ")
    expect(body).to_be_focused()
