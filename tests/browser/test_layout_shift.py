"""The board does not jump while it loads: the layout shifts a browser reports
(PerformanceObserver, ``layout-shift`` entries) add up to at most 0.1 — Lighthouse's
"good" cumulative layout shift — on a board of 200 cards, at desktop and phone size."""
import pytest

from tests import factories as f

# Installed before the page's own scripts (an init script is not subject to the CSP):
# every layout shift not caused by input, with the elements that moved.
OBSERVER = """
window.__shifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__shifts.push({value: entry.value, at: Math.round(entry.startTime),
      sources: (entry.sources || []).map(s => s.node && s.node.nodeType === 1
        ? s.node.tagName.toLowerCase() + (s.node.id ? '#' + s.node.id : '') + '.' + [...s.node.classList].join('.')
        : String(s.node && s.node.nodeName))});
  }
}).observe({type: 'layout-shift', buffered: true});
"""
STATES = ("proposed", "in_review", "approved", "scheduled", "published")


@pytest.fixture
def big_board(board_group, seed):
    def make():
        from workflow.extensions import db
        from workflow.models import Group, User

        group = db.session.get(Group, board_group)
        alice = db.session.query(User).filter_by(username="alice").one()
        for n in range(200):
            f.ItemFactory(group=group, author=alice, state=STATES[n % 5], title=f"Ressource numéro {n}",
                          summary="Un résumé de la ressource, sur deux lignes peut-être.")
        db.session.commit()

    seed(make)
    return board_group


@pytest.mark.parametrize("width,height", [(1400, 900), (390, 844)])
def test_board_with_200_cards_loads_without_layout_shift(browser, live_server, big_board, width, height):
    from playwright.sync_api import expect

    from .conftest import shot, signed_in_page

    _, base = live_server
    context, page = signed_in_page(browser, base, "alice", "/", viewport={"width": width, "height": height},
                                   locale="fr-FR")
    try:
        page.add_init_script(OBSERVER)
        page.goto(f"/groups/{big_board}/board")
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=15_000)
        expect(page.locator("#presence li").first).to_be_visible(timeout=10_000)
        # Two frames after the board went live, so a late layout has been reported.
        page.wait_for_function("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))")
        shifts = page.evaluate("() => window.__shifts")
        shot(page, f"board-layout-shift-{width}")
        total = sum(s["value"] for s in shifts)
        assert total <= 0.1, f"cumulative layout shift {total:.3f}: {shifts}"
    finally:
        context.close()
