"""One Socket.IO connection per tab: the bell and the page's module (board, calendar, review
queue) share static/js/socket.js, and both still follow their events live over it."""
import pytest
import requests
from playwright.sync_api import expect

from tests import factories as f

from .conftest import sign_in

pytestmark = pytest.mark.browser


def api_as(base, username):
    """A requests session speaking to the API with ``username``'s personal token."""
    http = requests.Session()
    answer = http.post(f"{base}/api/v1/tokens", json={"username": username, "password": f.PASSWORD, "name": "one-socket"})
    assert answer.status_code == 201, answer.text
    http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return http


@pytest.fixture
def signed_in(browser, live_server):
    """``signed_in(username)`` → (page, websockets): a logged-in page, and the list of the
    websockets it opens from now on (filled by ``page.on("websocket")``)."""
    _, base = live_server
    contexts, errors = [], []

    def open_(username):
        context = browser.new_context(base_url=base, viewport={"width": 1400, "height": 900}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        sign_in(page, username)
        page.goto("/help")  # a page with the bell only, so the index's socket is not counted
        expect(page.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
        sockets = []
        page.on("websocket", lambda ws: sockets.append(ws) if "/socket.io/" in ws.url else None)
        return page, sockets

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_board_tab_holds_one_websocket_shared_by_the_bell_and_the_live_board(signed_in, live_server, board_group,
                                                                                make_items):
    _, base = live_server
    [item_id] = make_items(board_group, [("alice", "Une seule connexion", "proposed")])
    page, sockets = signed_in("alice")
    page.goto(f"/groups/{board_group}/board")
    expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    expect(page.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
    unread = int(page.locator("#bell").get_attribute("data-unread") or 0)

    # A lead mentions the author in a comment through the API: her bell counts it, her board shows it.
    answer = api_as(base, "chloe").post(f"{base}/api/v1/items/{item_id}/comments", json={"body": "@alice vu."}, timeout=10)
    assert answer.status_code == 201, answer.text

    expect(page.locator("#bell")).to_have_attribute("data-unread", str(unread + 1), timeout=5000)
    expect(page.locator(f"#card-{item_id} .comments .n")).to_have_text("1", timeout=5000)
    assert len(sockets) == 1, [ws.url for ws in sockets]
    assert not sockets[0].is_closed()


@pytest.mark.parametrize("path, live", [("/calendar", ("#connection", "data-status", "online")),
                                         ("/reviews", ("#review-queue", "data-live", "1"))])
def test_calendar_and_review_queue_tabs_hold_one_websocket(signed_in, board_group, path, live):
    page, sockets = signed_in("chloe")
    page.goto(path)
    selector, attribute, value = live
    expect(page.locator(selector)).to_have_attribute(attribute, value, timeout=10_000)
    expect(page.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
    assert len(sockets) == 1, [ws.url for ws in sockets]
