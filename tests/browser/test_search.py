"""The header's search box in a real browser: alice types a word without its accent,
sees her group's item with the word highlighted (and not another group's), chooses it
with the keyboard and Enter opens its panel on its board; the same at phone size, where
the box folds to an icon."""
import itertools
import re

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser

_others = itertools.count(1)


@pytest.fixture
def quartier(seed, board_group):
    """« Les bibliothèques du quartier <n> » on alice's board, « Les bibliothèques de la ville »
    in a group she is not in. Returns (id, title) of the first. (The served database is the
    session's: every test's items stay, hence a number of its own in the title.)"""
    n = next(_others)
    title = f"Les bibliothèques du quartier {n}"

    def create():
        from tests import factories as f
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import comments as comment_service
        from workflow.services import items as item_service

        alice = db.session.query(User).filter_by(username="alice").one()
        item = item_service.create_item(alice, board_group, {
            "title": title, "resource_type": "article",
            "summary": "Un tour des bibliothèques <b>ouvertes</b> le dimanche."})
        comment_service.add_comment(alice, item.id, "Ajouter la carte des bibliothèques")
        other = f.GroupFactory(name=f"Groupe fermé {n}")
        stranger = f.UserFactory(username=f"zoe{n}")
        f.MembershipFactory(user=stranger, group=other, role="agent")
        db.session.commit()
        item_service.create_item(stranger, other.id, {"title": "Les bibliothèques de la ville",
                                                       "resource_type": "article"})
        return item.id, title

    return seed(create)


def type_query(page, text):
    box = page.locator("#search-input")
    if box.is_visible():
        box.click()
    else:  # a phone: the box is folded to its icon
        page.locator("#search-toggle").click()
    expect(box).to_be_focused()
    box.press_sequentially(text, delay=30)
    return box


@pytest.mark.parametrize("width, height, name", [(1400, 900, "desktop"), (390, 844, "phone")])
def test_alice_finds_her_item_highlighted_and_opens_it_with_the_keyboard(open_board, board_group, quartier,
                                                                          width, height, name):
    item_id, title = quartier
    page = open_board("alice", board_group, width=width, height=height)
    if name == "phone":
        expect(page.locator("#search-input")).to_be_hidden()
        expect(page.locator("#search-toggle")).to_be_visible()
    box = type_query(page, "bibliotheques")
    listbox = page.locator("#search-results")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    option = listbox.locator("[role=option]", has_text=title)
    expect(option).to_have_count(1)
    expect(option.locator(".search-title mark")).to_have_text("bibliothèques")
    expect(option.locator(".search-snippet mark").first).to_have_text("bibliothèques")
    expect(option.locator(".search-snippet")).to_contain_text("<b>ouvertes</b>")  # shown as text, not HTML
    expect(listbox).not_to_contain_text("de la ville")
    box_on_screen = listbox.bounding_box()
    assert box_on_screen["x"] >= 0 and box_on_screen["x"] + box_on_screen["width"] <= width + 1
    shot(page, f"search-results-{name}")
    position = option.evaluate("el => [...el.parentNode.querySelectorAll('[role=option]')].indexOf(el)")
    for _ in range(position + 1):
        box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/groups/{board_group}/board\?item={item_id}$"))
    expect(page.locator("#panel")).to_be_visible()
    expect(page.locator("#panel-title")).to_have_text(title)
    shot(page, f"search-opened-{name}")


def test_escape_closes_the_list_and_enter_without_a_choice_opens_the_results_page(open_board, board_group,
                                                                                   quartier):
    _, title = quartier
    page = open_board("alice", board_group)
    box = type_query(page, "bibliotheque")
    expect(page.locator("#search-results")).to_be_visible()
    box.press("Escape")
    expect(page.locator("#search-results")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=bibliotheque$"))
    hit = page.locator(".search-hit", has_text=title)
    expect(hit.locator("mark").first).to_have_text("bibliothèques")
    expect(page.locator(".search-hits")).not_to_contain_text("de la ville")
    shot(page, "search-page")
    hit.locator("a.search-title").click()
    expect(page.locator("#panel-title")).to_have_text(title)
