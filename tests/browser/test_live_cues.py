"""Live cues in the item panel: who else has the item open (within a second, gone when
they close it), a card sent back for changes (a mark in words on the card, the lead's
words at the top of its panel), and the first of two approvals (the toast says
« 1 approbation sur 2 », the disabled button says why beside it)."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import shot
from .people import item_in, named_group, review

pytestmark = pytest.mark.browser


def contrast(page, selector):
    """The contrast ratio of an element's text colour on its background colour."""
    colours = page.locator(selector).first.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")

    def luminance(css):
        r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(c) for c in colours), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_open_panel_says_who_else_edits_the_item_within_a_second(open_board, seed):
    group_id = named_group(seed)
    item_id = item_in(seed, group_id, "amartin", "Rétrospective Chantal Akerman")
    alice = open_board("amartin", group_id)
    chloe = open_board("cbernard", group_id)
    alice.locator(f"#card-{item_id} .card-title").click()
    expect(alice.locator("#edit-title")).to_be_enabled()
    note = alice.locator("#panel-coeditors")
    expect(note).to_be_hidden()
    chloe.locator(f"#card-{item_id} .card-title").click()
    expect(note).to_have_text("Chloé Bernard modifie aussi cet élément", timeout=1000)
    expect(note).to_have_attribute("role", "status")
    shot(alice, "live-cues-coeditor")
    chloe.locator("#panel .panel-close").click()
    expect(note).to_be_hidden(timeout=2000)


def test_a_card_sent_back_carries_its_mark_and_the_lead_s_comment_tops_its_panel(open_board, seed):
    group_id = named_group(seed)
    item_id = item_in(seed, group_id, "amartin", "Portail jeux vidéo", submit=True)
    review(seed, "cbernard", item_id, "request_changes", "Précisez le public visé, merci.")
    alice = open_board("amartin", group_id)
    mark = alice.locator(f"#card-{item_id} .changes-requested")
    expect(mark).to_have_text("Modifications demandées")
    assert contrast(alice, f"#card-{item_id} .changes-requested") >= 4.5
    alice.locator(f"#card-{item_id} .card-title").click()
    note = alice.locator("#panel-sent-back")
    expect(note).to_contain_text("Modifications demandées")
    expect(note).to_contain_text("par Chloé Bernard le")
    expect(note.locator("blockquote")).to_have_text("Précisez le public visé, merci.")
    # At the top of the panel: above the content, where the reader starts.
    assert note.bounding_box()["y"] < alice.locator("#panel-content-title").bounding_box()["y"]
    assert contrast(alice, "#panel-sent-back") >= 4.5
    shot(alice, "live-cues-sent-back")


def test_a_card_sent_back_live_shows_its_mark_on_another_board(open_board, seed):
    group_id = named_group(seed)
    item_id = item_in(seed, group_id, "amartin", "Atelier podcast", submit=True)
    alice = open_board("amartin", group_id)
    expect(alice.locator(f"#card-{item_id} .changes-requested")).to_be_hidden()
    review(seed, "cbernard", item_id, "request_changes", "Ajoutez les horaires.")
    expect(alice.locator(f"#card-{item_id} .changes-requested")).to_be_visible()


def test_first_of_two_approvals_says_1_of_2_and_explains_the_disabled_button(open_board, seed):
    group_id = named_group(seed, required_approvals=2)
    item_id = item_in(seed, group_id, "amartin", "Ciné-goûters", submit=True)
    chloe = open_board("cbernard", group_id)
    chloe.locator(f"#card-{item_id} .card-title").click()
    # The decision buttons act on the loaded item: wait for the panel to have it.
    expect(chloe.locator("#panel-title")).to_have_text("Ciné-goûters")
    expect(chloe.locator("#panel-body")).not_to_have_attribute("aria-busy", "true")
    approve = chloe.locator("#review-approve")
    expect(approve).to_be_enabled()
    approve.click()
    expect(chloe.locator("#toast-text")).to_contain_text("1 approbation sur 2")
    expect(chloe.locator("#toast-text")).not_to_contain_text("Approuvé")
    expect(approve).to_be_disabled()
    why = chloe.locator("#review-already")
    expect(why).to_be_visible()
    expect(why).to_contain_text("Vous avez déjà approuvé ce tour")
    expect(approve).to_have_attribute("aria-describedby", "review-already")
    why.scroll_into_view_if_needed()
    shot(chloe, "live-cues-first-approval")


def test_live_cues_on_a_phone(open_board, seed):
    group_id = named_group(seed, required_approvals=2)
    item_id = item_in(seed, group_id, "amartin", "Heure du conte numérique", submit=True)
    review(seed, "cbernard", item_id, "request_changes", "Ajoutez une image de couverture et l’âge conseillé.")
    alice = open_board("amartin", group_id, width=390, height=844)
    chloe = open_board("cbernard", group_id, width=390, height=844)
    card = alice.locator(f"#card-{item_id}")
    expect(card.locator(".changes-requested")).to_be_visible()
    card.scroll_into_view_if_needed()
    shot(alice, "live-cues-card-phone")
    card.locator(".card-title").click()
    chloe.locator(f"#card-{item_id} .card-title").click()
    expect(alice.locator("#panel-coeditors")).to_have_text("Chloé Bernard modifie aussi cet élément", timeout=1000)
    expect(alice.locator("#panel-sent-back")).to_be_visible()
    shot(alice, "live-cues-panel-phone")
