"""axe-core on the main pages, in light and dark themes: no serious or critical
violation. axe is injected from static/vendor (the context bypasses the CSP only
so that the test can inject it; the pages themselves run under their CSP)."""
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def a11y_world(live_server, board_group_module):
    return board_group_module


@pytest.fixture(scope="module")
def board_group_module(live_server):
    """A group of its own people (so no other test's bell or queue changes) with cards in
    several columns, one scheduled on a channel of its own, and an admin."""
    from datetime import timedelta

    from workflow.extensions import db
    from workflow.models import User, utcnow
    from workflow.services import invitations
    from workflow.services import items as item_service
    from workflow.services import workflow as workflow_service

    app, _ = live_server
    with app.app_context():
        if db.session.query(User).filter_by(username="root").one_or_none() is None:
            f.UserFactory(username="root", display_name="Admin Réseau", is_admin=True)
        agent = f.UserFactory(username="a11y-agent", display_name="Inès Agent")
        lead = f.UserFactory(username="a11y-lead", display_name="Paul Responsable")
        coordinator = f.UserFactory(username="a11y-coord", display_name="Lou Coordination", is_coordinator=True)
        group = f.GroupFactory(name="Groupe accessibilité")
        f.MembershipFactory(user=agent, group=group, role="agent")
        f.MembershipFactory(user=lead, group=group, role="lead")
        channel = f.ChannelFactory(slug="a11y-canal", name="Canal accessibilité", daily_capacity=50)
        ids = [item_service.create_item(agent, group.id, {"title": f"Ressource accessible {n}",
                                                          "resource_type": "video"}).id for n in range(4)]
        for item_id in ids[1:]:
            workflow_service.transition_item(agent, item_id, "in_review")
        for item_id in ids[2:]:
            workflow_service.transition_item(lead, item_id, "approved")
        workflow_service.schedule_item(coordinator, ids[3], utcnow() + timedelta(days=2), channel.slug)
        invitee = f.UserFactory(username="a11y-invitee", display_name="Zoé Invitée")
        mail = invitations.issue(invitee, invitations.INVITE)
        db.session.commit()
        _links["welcome"] = re.search(r"/welcome/[\w-]+", mail.body_text).group(0)
        group_id = group.id
        db.session.remove()
    return group_id


_signed_in = {}
_links = {}  # the invitation link made by the fixture


def _page(browser, base, username, scheme):
    """A page in ``scheme``, signed in as ``username``. Each person signs in once per
    run (their cookies are reused), so the sign-in rate limit is never reached."""
    options = dict(base_url=base, viewport={"width": 1280, "height": 900}, locale="fr-FR",
                   color_scheme=scheme, bypass_csp=True)
    if username and username in _signed_in:
        options["storage_state"] = _signed_in[username]
    context = browser.new_context(**options)
    page = context.new_page()
    if username and username not in _signed_in:
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", f.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        _signed_in[username] = context.storage_state()
    return context, page


def _violations(page):
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""")
    return [v for v in results if v["impact"] in BLOCKING]


PAGES = [
    ("login", None, "/login", None),
    ("my-work", "a11y-lead", "/", "#work-to_review .work-entry"),
    ("board", "a11y-agent", "/groups/{group}/board", "#connection[data-status=online]"),
    ("reviews", "a11y-lead", "/reviews", None),
    ("calendar", "a11y-coord", "/calendar", ".fc"),
    ("dashboard", "a11y-coord", "/dashboard", "#chart-states"),
    ("admin-home", "root", "/admin", None),
    ("admin-users", "root", "/admin/users", None),
    ("admin-groups", "root", "/admin/groups", None),
    ("admin-group", "root", "/admin/groups/{group}", None),
    ("admin-libraries", "root", "/admin/libraries", None),
    ("admin-channels", "root", "/admin/channels", None),
    ("help", "a11y-agent", "/help/agent", None),
    ("welcome", None, "{welcome}", None),  # an invitation's page: choose a password
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name,username,path,ready", PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_or_critical_axe_violation(browser, live_server, a11y_world, name, username, path, ready, scheme):
    _, base = live_server
    context, page = _page(browser, base, username, scheme)
    try:
        response = page.goto(path.format(group=a11y_world, welcome=_links.get("welcome")))
        assert response.status == 200, f"{path}: {response.status}"
        if ready:
            expect(page.locator(ready).first).to_be_visible(timeout=10_000)
        violations = _violations(page)
        if name in ("dashboard", "admin-users", "board", "my-work"):
            shot(page, f"a11y-{name}-{scheme}", full_page=True)
        assert not violations, f"{path} ({scheme}):\n" + json.dumps(violations, indent=1, ensure_ascii=False)
    finally:
        context.close()


def test_focus_is_visible_on_links_and_buttons(browser, live_server, a11y_world):
    _, base = live_server
    context, page = _page(browser, base, "a11y-coord", "light")
    try:
        page.goto("/dashboard")
        page.keyboard.press("Tab")  # the skip link
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
        assert outline not in ("none", "")
    finally:
        context.close()
