"""An administrator sets up a working group from the pages alone: creates it,
invites two people, adds them (agent and lead), and the agent signs in with the
temporary password and proposes an item in the new group."""
import itertools

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot

_runs = itertools.count(1)


@pytest.fixture
def admin_user(seed):
    """An administrator in the served app (created once)."""
    from workflow.extensions import db
    from workflow.models import User

    def make():
        if db.session.query(User).filter_by(username="root").one_or_none() is None:
            f.UserFactory(username="root", display_name="Admin Réseau", is_admin=True)

    seed(make)
    return "root"


@pytest.fixture
def new_page(browser, live_server):
    _, base = live_server
    contexts, errors = [], []

    def open_(username, password=f.PASSWORD):
        context = browser.new_context(base_url=base, viewport={"width": 1300, "height": 900}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _invite(page, username, display_name):
    page.goto("/admin/users")
    page.fill("#invite-username", username)
    page.fill("#invite-display", display_name)
    page.click("#invite-form button[type=submit]")
    expect(page.locator("#new-username")).to_have_text(username)
    return page.locator("#temporary-password").inner_text()


def test_an_admin_creates_a_group_adds_two_people_and_one_proposes_an_item(new_page, admin_user):
    run = next(_runs)
    group_name = f"Patrimoine numérique {run}"
    agent, lead = f"margot{run}", f"yanis{run}"
    admin = new_page(admin_user)

    agent_password = _invite(admin, agent, "Margot Leroy")
    _invite(admin, lead, "Yanis Benali")

    admin.goto("/admin/groups")
    admin.fill("#group-name", group_name)
    admin.fill("#group-description", "Fonds anciens et patrimoine local en ligne")
    admin.click("#group-form button[type=submit]")
    expect(admin.locator("h1")).to_contain_text(group_name)
    for username, role in ((agent, "agent"), (lead, "lead")):
        admin.select_option("#member-username", username)
        admin.select_option("#member-role", role)
        admin.click("#member-form button[type=submit]")
        expect(admin.locator(f'#member-list li[data-username="{username}"]')).to_be_visible()
    expect(admin.locator(f'#member-list li[data-username="{lead}"]')).to_contain_text("responsable")
    shot(admin, "admin-group")

    margot = new_page(agent, agent_password)
    margot.goto("/")
    margot.get_by_role("link", name=group_name).click()
    expect(margot.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    margot.click("#new-item-button")
    margot.fill("#new-title", "Cartes postales anciennes du quartier")
    margot.select_option("#new-type", "article")
    margot.click("#new-item-form button[type=submit]")
    expect(margot.locator("#new-item-dialog")).not_to_be_visible()
    expect(margot.locator('.column[data-state="proposed"] .card-title',
                          has_text="Cartes postales anciennes du quartier")).to_be_visible()
