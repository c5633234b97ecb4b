"""The board's Socket.IO connection upgrades to a websocket under the CSP's
``connect-src 'self'``, with no policy violation."""
import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_board_socket_upgrades_to_a_websocket_under_connect_src_self(browser, live_server, board_group):
    _, base = live_server
    context = browser.new_context(base_url=base, locale="fr-FR")
    try:
        page = context.new_page()
        violations = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        sign_in(page, "alice")
        with page.expect_websocket(lambda ws: "/socket.io/" in ws.url, timeout=10_000) as opened:
            response = page.goto(f"/groups/{board_group}/board")
        assert "connect-src 'self';" in response.headers["content-security-policy"]
        assert opened.value.url.startswith(base.replace("http", "ws", 1)) and "transport=websocket" in opened.value.url
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
        assert not opened.value.is_closed()
        assert not violations, violations
    finally:
        context.close()
