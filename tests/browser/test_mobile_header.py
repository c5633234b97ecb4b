"""The header's person menu: on a phone (390×844) the person's name is a button that
opens a small menu with the password link, the language switch and sign-out, usable
with the keyboard (aria-expanded, Escape closes); on a desktop the same three sit in the
header. Neither ever makes the page scroll sideways. Screenshots go to
test-artifacts/header-*.png."""
import itertools

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot, sign_in
from .test_accessibility import _violations

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
_people = itertools.count(1)

SCROLL_WIDTH = "() => document.documentElement.scrollWidth"
# What sticks out past the screen's right edge, to say what to fix.
OVERFLOW = """width => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 0.5 && el.getClientRects().length)
  .slice(0, 8).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`)"""


@pytest.fixture
def person(seed):
    """A person with a long name (the menu button must shorten it, not overflow)."""
    username = f"header{next(_people)}"

    def make():
        f.UserFactory(username=username, display_name="Marie-Dominique Lefebvre-Castelnau", locale="fr")
        from workflow.extensions import db
        db.session.commit()

    seed(make)
    return username


@pytest.fixture
def open_page(browser, live_server):
    _, base = live_server
    contexts, errors = [], []

    def open_(username, viewport, **options):
        context = browser.new_context(base_url=base, viewport=viewport, locale="fr-FR", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, username)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def assert_no_sideways_scroll(page, width):
    assert page.evaluate(SCROLL_WIDTH) <= width, page.evaluate(OVERFLOW, width)


def test_on_a_phone_the_person_menu_opens_changes_language_and_signs_out(open_page, person):
    page = open_page(person, PHONE)
    toggle = page.locator("#person-toggle")
    menu = page.locator("#person-menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert_no_sideways_scroll(page, 390)
    shot(page, "header-phone-closed")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Changer de mot de passe")).to_be_visible()
    expect(menu.get_by_role("button", name="English")).to_be_visible()
    expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert_no_sideways_scroll(page, 390)
    shot(page, "header-phone-open")

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()

    page.keyboard.press("Enter")  # the focused button opens it again, from the keyboard
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Changer de mot de passe")).to_be_focused()

    menu.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert_no_sideways_scroll(page, 390)
    toggle.click()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    shot(page, "header-phone-open-en")
    menu.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    toggle.click()
    menu.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    assert_no_sideways_scroll(page, 390)


def test_on_a_phone_a_click_elsewhere_closes_the_menu_and_its_password_link_works(open_page, person):
    page = open_page(person, PHONE)
    toggle = page.locator("#person-toggle")
    toggle.click()
    expect(page.locator("#person-menu")).to_be_visible()
    page.mouse.click(195, 600)  # on the page, away from the menu
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    page.locator("#person-menu").get_by_role("link", name="Changer de mot de passe").click()
    page.wait_for_url("**/account/password")
    assert_no_sideways_scroll(page, 390)


def test_on_a_desktop_password_language_and_sign_out_sit_in_the_header(open_page, person):
    page = open_page(person, DESKTOP)
    header = page.locator("header.topbar")
    expect(page.locator("#person-toggle")).to_be_hidden()
    expect(header.get_by_role("link", name="Marie-Dominique Lefebvre-Castelnau")).to_be_visible()
    assert_no_sideways_scroll(page, 1280)
    shot(page, "header-desktop")

    header.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    header.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    header.get_by_role("link", name="Marie-Dominique Lefebvre-Castelnau").click()
    page.wait_for_url("**/account/password")
    page.locator("header.topbar").get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login")
    assert_no_sideways_scroll(page, 1280)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_phone_menu_has_no_serious_axe_violation(open_page, person, scheme):
    page = open_page(person, PHONE, color_scheme=scheme, bypass_csp=True)  # axe is injected
    page.locator("#person-toggle").click()
    expect(page.locator("#person-menu")).to_be_visible()
    shot(page, f"header-phone-open-{scheme}")
    assert not _violations(page)
