"""Trash, restore, duplicate and undo from the board, as people use them: Alice trashes her
card from the panel and brings it back with "Annuler" in the toast; Chloé restores one from
the trash column with "Restaurer"; a drop is undone from the toast; a duplicate opens at once."""
import pytest
from playwright.sync_api import expect

from .conftest import drag, shot

pytestmark = pytest.mark.browser


def card(page, title):
    return page.locator(".card", has=page.locator(".card-title", has_text=title))


def column(page, state):
    return page.locator(f'.column[data-state="{state}"]')


def open_panel(page, title):
    card(page, title).locator(".card-title").click()
    expect(page.locator("#panel-title")).to_have_text(title)


def test_a_trashed_card_comes_back_with_annuler(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Affiche en double", "proposed")])
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group)
    open_panel(alice, "Affiche en double")
    expect(alice.locator("#panel-duplicate")).to_have_text("Dupliquer")
    expect(alice.locator("#panel-trash")).to_have_text("Supprimer")
    shot(alice, "panel-actions-desktop")
    alice.click("#panel-trash")
    expect(alice.locator("#panel")).not_to_be_visible()
    expect(card(alice, "Affiche en double")).to_have_count(0)
    expect(card(chloe, "Affiche en double")).to_have_count(0, timeout=2000)
    toast = alice.locator("#toast")
    expect(toast).to_contain_text("« Affiche en double » mis à la corbeille.")
    undo = alice.locator("#toast-undo")
    expect(undo).to_have_text("Annuler")
    shot(alice, "trash-undo-toast")
    undo.click()
    expect(toast).to_contain_text("est de retour sur le tableau")
    expect(column(alice, "proposed").locator(".card-title", has_text="Affiche en double")).to_be_visible()
    expect(column(chloe, "proposed").locator(".card-title", has_text="Affiche en double")).to_be_visible(timeout=2000)


def test_a_trashed_card_comes_back_from_the_trash_with_restaurer(open_board, board_group, make_items, seed):
    from workflow.extensions import db
    from workflow.models import User
    from workflow.services import items as item_service

    item_id, = make_items(board_group, [("alice", "Jeu en double", "proposed")])
    seed(lambda: item_service.delete_item(db.session.query(User).filter_by(username="chloe").one(), item_id))
    chloe = open_board("chloe", board_group, query="?hidden=1")
    alice = open_board("alice", board_group)
    expect(card(alice, "Jeu en double")).to_have_count(0)
    trash = column(chloe, "trash")
    expect(trash.locator(".card-title", has_text="Jeu en double")).to_be_visible()
    open_panel(chloe, "Jeu en double")
    expect(chloe.locator("#panel-trash")).to_be_hidden()
    expect(chloe.locator("#panel-duplicate")).to_be_hidden()
    restore = chloe.locator("#panel-restore")
    expect(restore).to_have_text("Restaurer")
    shot(chloe, "trash-restore-panel")
    restore.click()
    expect(chloe.locator("#toast")).to_contain_text("« Jeu en double » est de retour sur le tableau.")
    expect(column(chloe, "proposed").locator(".card-title", has_text="Jeu en double")).to_be_visible()
    expect(trash.locator(".card-title", has_text="Jeu en double")).to_have_count(0)
    expect(column(alice, "proposed").locator(".card-title", has_text="Jeu en double")).to_be_visible(timeout=2000)


def test_an_agent_sees_no_delete_on_another_s_card(open_board, board_group, make_items):
    make_items(board_group, [("anna", "La carte d’Anna", "proposed")])
    alice = open_board("alice", board_group)
    open_panel(alice, "La carte d’Anna")
    expect(alice.locator("#panel-duplicate")).to_be_visible()
    expect(alice.locator("#panel-trash")).to_be_hidden()


def test_a_drop_is_undone_from_the_toast(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Conférence", "proposed")])
    alice = open_board("alice", board_group)
    chloe = open_board("chloe", board_group)
    drag(alice, card(alice, "Conférence"), column(alice, "in_review").locator("ol.cards"))
    expect(column(chloe, "in_review").locator(".card-title", has_text="Conférence")).to_be_visible(timeout=2000)
    alice.locator("#toast-undo").click()
    expect(alice.locator("#toast")).to_contain_text("Déplacement annulé")
    expect(column(alice, "proposed").locator(".card-title", has_text="Conférence")).to_be_visible()
    expect(column(chloe, "proposed").locator(".card-title", has_text="Conférence")).to_be_visible(timeout=2000)


def test_an_undo_after_someone_else_s_change_says_it_is_no_longer_possible(open_board, board_group, make_items,
                                                                              seed):
    from workflow.extensions import db
    from workflow.models import Item, User
    from workflow.services import items as item_service

    item_id, = make_items(board_group, [("alice", "Atelier", "proposed")])
    alice = open_board("alice", board_group)
    drag(alice, card(alice, "Atelier"), column(alice, "in_review").locator("ol.cards"))
    expect(column(alice, "in_review").locator(".card-title", has_text="Atelier")).to_be_visible()
    expect(alice.locator("#toast-undo")).to_be_visible()

    def edit():
        item = db.session.get(Item, item_id)
        item_service.update_item(db.session.query(User).filter_by(username="anna").one(), item_id,
                                 {"summary": "Changé par Anna"}, item.version)

    seed(edit)
    alice.locator("#toast-undo").click()
    expect(alice.locator("#toast")).to_contain_text("Impossible d’annuler : la carte a été modifiée depuis.")
    expect(column(alice, "in_review").locator(".card-title", has_text="Atelier")).to_be_visible()


def test_an_edit_is_undone_with_the_previous_values(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Titre d’origine", "proposed")])
    alice = open_board("alice", board_group)
    open_panel(alice, "Titre d’origine")
    alice.fill("#edit-title", "Titre changé")
    alice.click("#edit-save")
    expect(card(alice, "Titre changé")).to_be_visible()
    alice.locator("#toast-undo").click()
    expect(alice.locator("#toast")).to_contain_text("Modification annulée")
    expect(card(alice, "Titre d’origine")).to_be_visible()
    expect(alice.locator("#edit-title")).to_have_value("Titre d’origine")


def test_duplicate_opens_the_copy_at_the_end_of_proposed(open_board, board_group, make_items):
    make_items(board_group, [("alice", "Heure du conte", "in_review"), ("anna", "Autre", "proposed")])
    chloe = open_board("chloe", board_group)
    alice = open_board("alice", board_group, width=390, height=844)
    open_panel(alice, "Heure du conte")
    shot(alice, "panel-actions-phone")
    alice.click("#panel-duplicate")
    expect(alice.locator("#panel-title")).to_have_text("Copie de Heure du conte")
    proposed = column(chloe, "proposed").locator(".card-title")
    expect(proposed.last).to_have_text("Copie de Heure du conte", timeout=2000)
