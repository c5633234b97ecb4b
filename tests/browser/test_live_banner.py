"""When the board's live link is down (network gone, server or Redis away), a banner
says that the others' changes will show on reconnection; it goes away once back."""
import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser

BANNER = "Connexion temps réel interrompue — les changements des autres s'afficheront au retour de la connexion"


def test_banner_shows_while_the_live_link_is_down_and_hides_on_reconnection(open_board, board_group):
    chloe = open_board("chloe", board_group)
    expect(chloe.locator("#connection")).to_have_attribute("data-status", "online")
    expect(chloe.locator("#live-lost")).to_have_count(0)

    chloe.context.set_offline(True)
    banner = chloe.locator("#live-lost")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(BANNER)
    expect(banner).to_have_attribute("role", "status")
    shot(chloe, "board-live-lost")

    chloe.context.set_offline(False)
    expect(chloe.locator("#connection")).to_have_attribute("data-status", "online")
    expect(banner).to_be_hidden()
