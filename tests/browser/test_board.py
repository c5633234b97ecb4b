"""The board page in a real browser: live updates between two people, drag and drop,
refused drops, reconnection, edit conflicts, and a board of a thousand cards."""
import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import column_ids, drag, shot

pytestmark = pytest.mark.browser


def card(page, title):
    return page.locator(".card", has=page.locator(".card-title", has_text=title))


def column(page, state):
    return page.locator(f'.column[data-state="{state}"]')


def create_card(page, title, resource_type="article", labels=""):
    page.click("#new-item-button")
    page.fill("#new-title", title)
    page.select_option("#new-type", resource_type)
    if labels:
        page.fill("#new-labels", labels)
    page.click("#new-item-form button[type=submit]")
    expect(page.locator("#new-item-dialog")).not_to_be_visible()


def test_a_card_created_and_dragged_by_one_person_appears_live_for_another(open_board, board_group):
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group)

    create_card(alice, "Cycle Ozu en VOD", "video", labels="cinéma, japon")
    expect(card(alice, "Cycle Ozu en VOD")).to_be_visible()
    expect(column(chloe, "proposed").locator(".card-title", has_text="Cycle Ozu en VOD")).to_be_visible(timeout=1000)

    drag(alice, card(alice, "Cycle Ozu en VOD"), column(alice, "in_review").locator("ol.cards"))
    expect(column(alice, "in_review").locator(".card-title", has_text="Cycle Ozu en VOD")).to_be_visible()
    expect(column(chloe, "in_review").locator(".card-title", has_text="Cycle Ozu en VOD")).to_be_visible(timeout=1000)
    expect(column(chloe, "proposed").locator(".card")).to_have_count(0)
    expect(alice.locator("#toast")).to_be_hidden()
    shot(alice, "board-two-people-alice")
    shot(chloe, "board-two-people-chloe")
