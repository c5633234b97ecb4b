"""Bulk actions on the board, as people use them: Alice ticks twenty cards (a click, then a
Shift-click) and moves them with one action — Chloé's open board shows them moved; the
keyboard selects too; a refusal names the card and changes none; "Annuler" undoes it all."""
import pytest
from playwright.sync_api import expect

from .conftest import axe_board, column_ids, shot

pytestmark = pytest.mark.browser


def card(page, title):
    return page.locator(".card", has=page.locator(".card-title", has_text=title))


def column(page, state):
    return page.locator(f'.column[data-state="{state}"]')


def tick(page, title, **kw):
    box = card(page, title).locator(".card-select")
    card(page, title).hover()
    box.click(**kw)


def test_twenty_cards_moved_with_one_bulk_action_appear_moved_on_a_second_board(open_board, board_group, make_items):
    ids = make_items(board_group, [("alice", f"Atelier {n:02d}", "proposed") for n in range(20)])
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group)
    calls = []
    alice.on("request", lambda r: calls.append(r.url) if "/api/v1/items/" in r.url and r.method == "POST" else None)
    tick(alice, "Atelier 00")
    tick(alice, "Atelier 19", modifiers=["Shift"])
    expect(alice.locator("#bulk-count")).to_have_text("20 cartes sélectionnées")
    expect(alice.locator(".card.selected")).to_have_count(20)
    shot(alice, "bulk-bar-desktop")
    alice.select_option("#bulk-move", "in_review")
    expect(alice.locator("#toast")).to_contain_text("20 cartes déplacées vers « En relecture ».")
    expect(alice.locator("#bulk-bar")).to_be_hidden()
    chloe.wait_for_function(
        "(n) => document.querySelectorAll('.column[data-state=\"in_review\"] .card').length === n", arg=20,
        timeout=3000)
    assert column_ids(chloe)["in_review"] == ids and column_ids(chloe)["proposed"] == []
    assert column_ids(alice)["in_review"] == ids
    assert [u for u in calls if u.endswith("/bulk")] and not [u for u in calls if u.endswith("/move")]
    shot(chloe, "bulk-moved-on-second-board")


def test_the_keyboard_selects_cards_and_a_bulk_undo_puts_them_back(open_board, board_group, make_items):
    make_items(board_group, [("alice", f"Fiche {n}", "proposed") for n in range(4)])
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group)
    box = card(alice, "Fiche 0").locator(".card-select")
    box.focus()
    alice.keyboard.press("Space")
    expect(alice.locator(".card.selected")).to_have_count(1)
    card(alice, "Fiche 2").locator(".card-select").focus()
    alice.keyboard.press("Shift+Space")
    expect(alice.locator(".card.selected")).to_have_count(3)
    # Once selecting, Space on a focused card (its title) toggles it rather than opening it.
    card(alice, "Fiche 3").locator(".card-title").focus()
    alice.keyboard.press("Space")
    expect(alice.locator(".card.selected")).to_have_count(4)
    expect(alice.locator("#panel")).not_to_be_visible()
    alice.click("#bulk-trash")
    expect(alice.locator("#toast")).to_contain_text("4 cartes mises à la corbeille.")
    expect(chloe.locator(".card")).to_have_count(0, timeout=2000)
    alice.locator("#toast-undo").click()
    expect(alice.locator("#toast")).to_contain_text("4 cartes remises comme avant.")
    expect(column(chloe, "proposed").locator(".card")).to_have_count(4, timeout=2000)
    alice.keyboard.press("Escape")


def test_a_refused_bulk_action_names_the_card_and_changes_none(open_board, board_group, make_items):
    make_items(board_group, [("alice", "La mienne", "proposed"), ("anna", "Celle d’Anna", "proposed")])
    alice = open_board("alice", board_group)
    tick(alice, "La mienne")
    tick(alice, "Celle d’Anna")
    alice.click("#bulk-trash")
    toast = alice.locator("#toast")
    expect(toast).to_contain_text("« Celle d’Anna » :")
    expect(toast).to_contain_text("Rien n’a été modifié.")
    expect(card(alice, "Celle d’Anna")).to_have_class("card item selected refused")
    expect(column(alice, "proposed").locator(".card")).to_have_count(2)
    expect(alice.locator(".card.selected")).to_have_count(2)


def test_the_bulk_bar_fits_a_phone(open_board, board_group, make_items):
    make_items(board_group, [("chloe", f"Carte {n}", "proposed") for n in range(3)])
    chloe = open_board("chloe", board_group, width=390, height=844)
    for n in range(3):
        chloe.locator(".card-select").nth(n).click()
    bar = chloe.locator("#bulk-bar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    shot(chloe, "bulk-bar-phone")
    chloe.select_option("#bulk-assign", "anna")
    expect(chloe.locator("#toast")).to_contain_text("3 cartes confiées à Anna.")
    expect(chloe.locator(".card .assignees .avatar")).to_have_count(3)
    shot(chloe, "bulk-assigned-phone")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_selected_cards_the_bulk_bar_and_the_panel_actions_pass_axe(browser, live_server, board_group, make_items,
                                                                    scheme):

    from .test_accessibility import _violations

    make_items(board_group, [("chloe", "Affiche", "proposed"), ("anna", "Newsletter", "proposed")])
    _, base = live_server
    with axe_board(browser, base, "chloe", board_group, scheme) as page:
        tick(page, "Affiche")
        tick(page, "Newsletter")
        expect(page.locator("#bulk-bar")).to_be_visible()
        assert _violations(page) == []
        shot(page, f"bulk-bar-axe-{scheme}")
        page.click("#bulk-clear")
        card(page, "Affiche").locator(".card-title").click()
        expect(page.locator("#panel-trash")).to_be_visible()
        assert _violations(page) == []
