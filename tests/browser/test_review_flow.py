"""The review flow in a real browser: an agent submits, the lead sees it in the
queue and on the bell without reloading, requests changes with a comment, and
the agent sees the comment and the card back in `proposed`."""
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import drag, shot

pytestmark = pytest.mark.browser


def card(page, title):
    return page.locator(".card", has=page.locator(".card-title", has_text=title))


def column(page, state):
    return page.locator(f'.column[data-state="{state}"]')


def wait_for_live_queue(page):
    """The queue is live and its first refresh (which re-renders every entry) is done, so a
    click is not made on an entry about to be replaced. In a full run chloe leads many groups
    and that refresh takes long enough to race the test."""
    queue = page.locator("#review-queue")
    expect(queue).to_have_attribute("data-live", "1", timeout=10_000)
    expect(queue).to_have_attribute("data-refreshed", re.compile(r"^[1-9]\d*$"), timeout=10_000)


_teams = itertools.count(1)


@pytest.fixture
def team(live_server):
    """A group of its own with fresh people — an agent and two leads — so that no other
    browser test's notifications reach their bells and their review queue holds only this
    test's items (the shared leads' queues grow with every test and refresh slowly).
    Returns {"group": id, "agent": username, "lead": username, "other_lead": username}."""
    from workflow.extensions import db

    app, _ = live_server
    n = next(_teams)
    with app.app_context():
        group = f.GroupFactory(name=f"Groupe relecture {n}")
        names = {"agent": (f"relecture{n}-agent", "Alice Relecture", "agent"),
                 "lead": (f"relecture{n}-lead", "Chloé Relecture", "lead"),
                 "other_lead": (f"relecture{n}-lead2", "Louis Relecture", "lead")}
        for username, display_name, role in names.values():
            f.MembershipFactory(user=f.UserFactory(username=username, display_name=display_name), group=group,
                                role=role)
        team = {"group": group.id, **{key: username for key, (username, _, _) in names.items()}}
        db.session.remove()
    return team


@pytest.fixture
def open_page(open_page):
    """The shared ``open_page`` (tests/browser/conftest.py), 1280 wide, waiting for a live bell."""
    def open_(username, path, width=1280, height=900):
        page = open_page(username, path, width, height)
        expect(page.locator("#bell")).to_have_attribute("data-connected", "1", timeout=10_000)
        return page

    return open_


def test_agent_submits_lead_requests_changes_agent_sees_comment_and_card_back(open_page, team, make_items):
    [item_id] = make_items(team["group"], [(team["agent"], "Cycle Kurosawa en VOD", "proposed")])
    alice = open_page(team["agent"], f"/groups/{team['group']}/board")
    expect(alice.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    expect(alice.locator("#bell")).to_have_attribute("data-unread", "0")
    chloe = open_page(team["lead"], "/reviews")
    wait_for_live_queue(chloe)
    expect(chloe.locator(f"#review-{item_id}")).to_have_count(0)
    unread_before = int(chloe.locator("#bell").get_attribute("data-unread") or 0)

    # The agent submits by dragging the card to "En relecture".
    drag(alice, card(alice, "Cycle Kurosawa en VOD"), column(alice, "in_review").locator("ol.cards"))
    expect(column(alice, "in_review").locator(".card-title", has_text="Cycle Kurosawa en VOD")).to_be_visible()

    # The lead sees it in the queue and on the bell, without reloading.
    entry = chloe.locator(f"#review-{item_id}")
    expect(entry).to_be_visible(timeout=3000)
    expect(entry).to_contain_text("en attente depuis")
    expect(chloe.locator("#bell")).to_have_attribute("data-unread", str(unread_before + 1), timeout=3000)
    expect(chloe.locator("#bell-count")).to_be_visible()
    shot(chloe, "review-queue-lead")

    # A comment is required to request changes: the page says so and keeps nothing lost.
    entry.locator('button[value="request_changes"]').click()
    expect(entry.locator(".error")).to_contain_text("Écrivez un commentaire")
    entry.locator("textarea[name=comment]").fill("Ajoutez la durée de chaque film, s'il vous plaît.")
    entry.locator('button[value="request_changes"]').click()
    expect(chloe.locator(f"#review-{item_id}")).to_have_count(0, timeout=3000)
    expect(chloe.locator("#queue-status")).to_contain_text("Modifications demandées")

    # The agent sees the card back in "Proposé" and the comment, live.
    expect(column(alice, "proposed").locator(".card-title", has_text="Cycle Kurosawa en VOD")).to_be_visible(
        timeout=3000)
    expect(alice.locator("#bell")).to_have_attribute("data-unread", "1", timeout=3000)
    alice.locator("#bell").click()  # the bell's menu, then its link to the full page
    alice.locator("#bell-all").click()
    alice.wait_for_url("**/notifications")
    note = alice.locator(".note").first
    expect(note).to_contain_text("Modifications demandées : « Cycle Kurosawa en VOD »")
    expect(note).to_contain_text("Ajoutez la durée de chaque film")
    shot(alice, "notifications-agent")
    alice.locator(".note .mark-read button").first.click()
    expect(alice.locator("#bell-count")).to_be_hidden(timeout=3000)


def test_queue_shows_the_diff_the_checklist_and_why_a_lead_may_not_decide(open_page, team, seed):
    from datetime import timedelta

    from workflow.extensions import db
    from workflow.models import ChecklistEntry, Item, User, utcnow
    from workflow.services import items as item_service
    from workflow.services import workflow as workflow_service

    def build():
        users = {u.username: u for u in db.session.query(User).all()}
        for position, label in enumerate(["Sous-titres disponibles", "Droits de diffusion vérifiés"]):
            db.session.add(ChecklistEntry(group_id=team["group"], resource_type="video", label=label,
                                          position=position))
        db.session.commit()
        item = item_service.create_item(users[team["agent"]], team["group"], {
            "title": "Cinéma muet restauré", "resource_type": "video",
            "summary": "Trois films de Murnau.", "body": "Ligne inchangée\nDurée : ?"})
        workflow_service.transition_item(users[team["agent"]], item.id, "in_review")
        workflow_service.review_item(users[team["other_lead"]], item.id, "request_changes",
                                 "Indiquez la **durée**.")
        item = db.session.get(Item, item.id)
        item_service.update_item(users[team["agent"]], item.id, {"title": "Cinéma muet restauré (Murnau)",
                                                                 "body": "Ligne inchangée\nDurée : 3 × 90 min"},
                                 item.version)
        workflow_service.transition_item(users[team["agent"]], item.id, "in_review")
        db.session.get(Item, item.id).submitted_at = utcnow() - timedelta(days=6)
        own = item_service.create_item(users[team["lead"]], team["group"],
                                       {"title": "Ma sélection BD", "resource_type": "article"})
        workflow_service.transition_item(users[team["lead"]], own.id, "in_review")
        db.session.commit()
        return item.id, own.id

    item_id, own_id = seed(build)
    chloe = open_page(team["lead"], "/reviews")
    wait_for_live_queue(chloe)
    entry = chloe.locator(f"#review-{item_id}")
    expect(entry.locator(".diff-del").first).to_contain_text("Cinéma muet restauré")
    expect(entry.locator(".diff-add").first).to_contain_text("Cinéma muet restauré (Murnau)")
    expect(entry.locator(".badge-late")).to_have_count(2)
    expect(entry.locator(".last-review strong", has_text="durée")).to_be_visible()
    own = chloe.locator(f"#review-{own_id}")
    expect(own.locator(".blocked-reason")).to_contain_text("quatre yeux")
    expect(own.locator("button[name=decision]")).to_have_count(0)  # four-eyes: no decision on her own item

    entry.locator('button[value="approve"]').click()
    expect(entry.locator(".error")).to_contain_text("Cochez d'abord chaque point de la liste : Sous-titres disponibles ; Droits")
    entry.locator('input[name=checklist]').nth(0).check()
    entry.locator('input[name=checklist]').nth(1).check()
    shot(chloe, "review-queue-diff-checklist", full_page=True)
    chloe.set_viewport_size({"width": 375, "height": 800})
    assert chloe.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the queue overflows a phone"
    shot(chloe, "review-queue-phone", full_page=True)
    chloe.set_viewport_size({"width": 1280, "height": 900})
    entry.locator('button[value="approve"]').click()
    expect(chloe.locator(f"#review-{item_id}")).to_have_count(0, timeout=3000)


def test_a_refusal_beside_the_form_survives_a_live_refresh_of_the_queue(open_page, team, make_items):
    """The lead reads why the decision was refused; another lead's action re-renders the
    queue meanwhile: the message (and the draft comment) must still be there."""
    [first, second] = make_items(team["group"], [(team["agent"], "Festival du film d'animation", "in_review"),
                                                 (team["agent"], "Conférence sur le polar", "in_review")])
    chloe = open_page(team["lead"], "/reviews")
    wait_for_live_queue(chloe)
    entry = chloe.locator(f"#review-{first}")
    entry.locator('button[value="reject"]').click()
    expect(entry.locator(".error")).to_contain_text("Écrivez un commentaire")
    entry.locator("textarea[name=comment]").fill("Brouillon en cours")
    refreshed = int(chloe.locator("#review-queue").get_attribute("data-refreshed"))

    louis = open_page(team["other_lead"], "/reviews")
    wait_for_live_queue(louis)
    louis.locator(f"#review-{second} .claim-form button").click()  # a claim re-renders chloe's queue
    expect(chloe.locator("#review-queue")).not_to_have_attribute("data-refreshed", str(refreshed), timeout=5000)
    expect(chloe.locator(f"#review-{second}")).to_contain_text("Louis Relecture")
    entry = chloe.locator(f"#review-{first}")
    expect(entry.locator(".error")).to_be_visible()
    expect(entry.locator(".error")).to_contain_text("Écrivez un commentaire")
    expect(entry.locator("textarea[name=comment]")).to_have_value("Brouillon en cours")
