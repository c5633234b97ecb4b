"""The bell opens a menu in place: the latest notifications (Markdown rendered, unread
marked in words and weight, not only colour), each a link to its item, « Tout marquer comme
lu », and a link to the full page. Escape and a click outside close it; it fits a phone."""
import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def bell_page(open_page):
    """``bell_page(username, width, height)`` → a signed-in page with a live bell."""
    def open_(username, width=1400, height=900):
        page = open_page(username, "/help", width, height)
        expect(page.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
        return page

    return open_


@pytest.fixture
def mention(seed, make_items):
    """``mention(group_id, title, text)``: chloe comments ``text`` on a new card of alice's. Returns its id."""

    def run(group_id, title, text):
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import comments

        [item_id] = make_items(group_id, [("alice", title, "proposed")])

        def write():
            chloe = db.session.query(User).filter_by(username="chloe").one()
            comments.add_comment(chloe, item_id, text)

        seed(write)
        return item_id

    return run


def _read_all(seed):
    from workflow.extensions import db
    from workflow.models import User
    from workflow.services import notifications

    def run():
        notifications.mark_all_read(db.session.query(User).filter_by(username="alice").one())

    seed(run)


def test_the_bell_menu_shows_bold_text_and_marks_all_read(bell_page, board_group, mention, seed):
    _read_all(seed)
    mention(board_group, "Club lecture ado", "@alice pensez à la **durée exacte**, merci.")
    page = bell_page("alice")
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("data-unread", "1", timeout=5000)
    expect(bell).to_have_attribute("aria-expanded", "false")

    bell.click()
    expect(bell).to_have_attribute("aria-expanded", "true")
    panel = page.locator("#bell-panel")
    expect(panel).to_be_visible()
    first = panel.locator(".bell-note").first
    expect(first).to_contain_text("Chloe vous mentionne sur « Club lecture ado »")
    expect(first.locator("strong", has_text="durée exacte")).to_be_visible()
    expect(first).not_to_contain_text("**")
    expect(first.locator(".visually-hidden")).to_have_text("Non lue :")  # said in words, not only colour
    expect(panel.locator("#bell-all")).to_have_text("Voir toutes les notifications")
    shot(page, "bell-menu")

    panel.get_by_role("button", name="Tout marquer comme lu").click()
    expect(bell).to_have_attribute("data-unread", "0", timeout=5000)
    expect(page.locator("#bell-count")).to_be_hidden()
    expect(first.locator(".visually-hidden")).to_have_count(0)
    expect(panel.locator("#bell-status")).to_have_text("Toutes les notifications sont marquées comme lues.")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(bell).to_have_attribute("aria-expanded", "false")
    expect(bell).to_be_focused()

    page.keyboard.press("Enter")  # the bell is a button: the keyboard opens it too
    expect(panel).to_be_visible()
    page.locator("main h1").first.click()  # a click outside closes it
    expect(panel).to_be_hidden()


def test_a_notification_opens_its_item_and_is_marked_read(bell_page, board_group, mention, seed):
    _read_all(seed)
    item_id = mention(board_group, "Quiz musical", "@alice on garde ?")
    page = bell_page("alice")
    expect(page.locator("#bell")).to_have_attribute("data-unread", "1", timeout=5000)
    page.locator("#bell").click()
    page.locator(".bell-note-link", has_text="Quiz musical").click()
    page.wait_for_url(f"**/groups/{board_group}/board?item={item_id}")
    expect(page.locator("#panel-title")).to_have_text("Quiz musical", timeout=5000)
    expect(page.locator("#bell")).to_have_attribute("data-unread", "0", timeout=5000)


def test_the_bell_menu_fits_a_phone(bell_page, board_group, mention, seed):
    mention(board_group, "Atelier très long " * 6, "@alice un texte assez long pour passer sur plusieurs lignes "
            "avec **du gras** et un [lien](https://example.org).")
    page = bell_page("alice", width=390, height=844)
    page.locator("#bell").click()
    panel = page.locator("#bell-panel")
    expect(panel.locator(".bell-note").first).to_be_visible(timeout=5000)
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["y"] + box["height"] <= 844, box
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(page, "bell-menu-phone")
    page.emulate_media(color_scheme="dark")
    shot(page, "bell-menu-phone-dark")


_ = f


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_bell_menu_and_follow_toggle_have_no_serious_axe_violation(browser, live_server, board_group, mention,
                                                                           scheme):
    import json

    from .test_accessibility import _page, _violations

    _, base = live_server
    item_id = mention(board_group, "Lecture à voix haute", "@alice la **durée** ?")
    context, page = _page(browser, base, "alice", scheme)
    try:
        page.goto(f"/groups/{board_group}/board")
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
        page.locator(f"#card-{item_id} .card-title").click()
        expect(page.locator("#follow-toggle")).to_have_attribute("aria-pressed", "true", timeout=5000)
        violations = _violations(page)
        assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
        page.keyboard.press("Escape")  # closes the panel
        expect(page.locator("#panel")).to_be_hidden()
        page.locator("#bell").click()
        expect(page.locator("#bell-panel .bell-note").first).to_be_visible(timeout=5000)
        violations = _violations(page)
        assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)
    finally:
        context.close()
