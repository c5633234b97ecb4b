"""Coloured labels and due dates on the board, in a real browser: the overdue and
due-soon marks (words, not colour alone, at 4.5:1), the "En retard" filter, a lead
recolouring a label and a due date set in the panel seen live on another open board."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import shot
from .test_calendar import open_calendar  # noqa: F401  (the calendar page, signed in)

pytestmark = pytest.mark.browser

CONTRAST = """(node) => {
  const rgb = (s) => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(node);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def card(page, title):
    return page.locator(".card", has=page.locator(".card-title", has_text=title))


@pytest.fixture
def due_board(seed, board_group):
    """Three cards of alice: one overdue with the label "cinéma", one due tomorrow, one due later."""
    def create():
        from workflow.extensions import db
        from workflow.models import User, utcnow
        from workflow.services import items as item_service

        alice = db.session.query(User).filter_by(username="alice").one()
        now = utcnow().replace(microsecond=0)
        for title, delta, labels in (("Affiche du salon", -timedelta(days=1), ["cinéma"]),
                                     ("Lettre d'information", timedelta(hours=20), ["jeunesse"]),
                                     ("Cycle d'été", timedelta(days=20), [])):
            item_service.create_item(alice, board_group, {"title": title, "resource_type": "article",
                                                         "due_at": now + delta, "labels": labels})
    seed(create)
    return board_group


@pytest.mark.parametrize("width, height, name", [(1400, 900, "desktop"), (390, 844, "phone")])
def test_cards_show_overdue_and_due_soon_marks_in_words_that_pass_contrast(open_board, due_board, width, height, name):
    alice = open_board("alice", due_board, width=width, height=height)
    late = card(alice, "Affiche du salon")
    expect(late.locator(".due-mark")).to_have_text("En retard")
    expect(late.locator(".due-when")).to_contain_text("À préparer pour le")
    expect(card(alice, "Lettre d'information").locator(".due-mark")).to_have_text("Échéance proche")
    expect(card(alice, "Cycle d'été").locator(".due-mark")).to_have_count(0)
    expect(card(alice, "Cycle d'été").locator(".due-when")).to_be_visible()
    expect(late.locator(".label")).to_have_class("label label-green")
    for node in (late.locator(".due-mark"), card(alice, "Lettre d'information").locator(".due-mark"),
                 late.locator(".label"), card(alice, "Lettre d'information").locator(".label")):
        assert node.evaluate(CONTRAST) >= 4.5
    late.scroll_into_view_if_needed()
    shot(alice, f"board-due-marks-{name}")


def test_the_overdue_filter_shows_only_late_cards(open_board, due_board):
    alice = open_board("alice", due_board)
    alice.check("#filter-overdue")
    expect(card(alice, "Affiche du salon")).to_be_visible()
    expect(card(alice, "Lettre d'information")).to_be_hidden()
    expect(card(alice, "Cycle d'été")).to_be_hidden()
    expect(alice.locator("#filter-summary")).to_have_text("1 carte affichée sur 3")
    alice.uncheck("#filter-overdue")
    alice.select_option("#filter-label", "jeunesse")
    expect(alice.locator("#filter-label-swatch")).to_have_class("label-swatch label-yellow")
    expect(card(alice, "Lettre d'information")).to_be_visible()
    expect(card(alice, "Affiche du salon")).to_be_hidden()


def test_a_lead_recolours_and_renames_a_label_and_another_open_board_follows_live(open_board, due_board):
    alice = open_board("alice", due_board)
    chloe = open_board("chloe", due_board)
    expect(alice.locator("#labels-box")).to_have_count(0)  # agents do not manage labels
    chloe.click("#labels-box > summary")
    row = chloe.locator("#label-admin form", has=chloe.locator('input[value="cinéma"]'))
    row.locator('input[name="name"]').fill("Cinéma")
    row.locator('select[name="color"]').select_option("purple")
    shot(chloe, "board-label-admin")
    row.locator('button[type="submit"]').click()
    chip = card(alice, "Affiche du salon").locator(".label")
    expect(chip).to_have_class("label label-purple", timeout=2000)
    expect(chip).to_have_text("Cinéma")
    expect(alice.locator("#filter-label option", has_text="Cinéma")).to_have_count(1)
    shot(alice, "board-label-recoloured-live")


def test_a_due_date_and_a_new_label_set_in_the_panel_show_live_on_another_board(open_board, due_board):
    alice = open_board("alice", due_board)
    chloe = open_board("chloe", due_board)
    card(alice, "Cycle d'été").locator(".card-title").click()
    expect(alice.locator("#edit-due")).to_be_enabled()
    alice.fill("#edit-due", "2020-01-15T10:00")
    alice.fill("#edit-licence", "2030-06-30")
    alice.check('#edit-label-options input[value="jeunesse"]')
    alice.fill("#edit-new-labels", "urgent")
    shot(alice, "board-panel-due-and-labels")
    alice.click("#edit-save")
    late = card(chloe, "Cycle d'été")
    expect(late.locator(".due-mark")).to_have_text("En retard", timeout=2000)
    expect(late.locator(".due-when")).to_contain_text("15/01/2020 10:00")
    expect(late.locator(".label")).to_have_text(["jeunesse", "urgent"])
    expect(chloe.locator("#filter-label option", has_text="urgent")).to_have_count(1)
    chloe.check("#filter-overdue")
    expect(late).to_be_visible()
    expect(card(chloe, "Lettre d'information")).to_be_hidden()


def test_the_calendar_shows_a_due_date_as_its_own_marker_in_words(open_calendar, seed, board_group):  # noqa: F811
    def create():
        from workflow.extensions import db
        from workflow.models import User, utcnow
        from workflow.services import items as item_service

        alice = db.session.query(User).filter_by(username="alice").one()
        due = utcnow().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return item_service.create_item(alice, board_group, {"title": "Affiche à imprimer", "resource_type": "article",
                                                             "due_at": due}).id
    item_id = seed(create)
    calendar = open_calendar("alice")
    calendar.select_option("#filter-group", str(board_group))  # alice is in every test's group
    # (The month view's six weeks show tomorrow even when it is the next month's first day.)
    marker = calendar.locator(f".fc-event.is-due.due-item-{item_id}")
    expect(marker).to_be_visible()
    expect(marker).to_contain_text("À préparer : Affiche à imprimer")
    expect(calendar.locator(f'.fc-event[data-item-id="{item_id}"]')).to_have_count(0)  # not a publication
    # For the screenshot; the calendar redraws as the shared server's other tests add items,
    # so the marker is scrolled to in one step rather than waited on to hold still.
    marker.evaluate("el => el.scrollIntoView({block: 'center'})")
    shot(calendar, "calendar-due-marker")
