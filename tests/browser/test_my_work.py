""""Mon travail": alice signs in and lands on her work, which lists her proposal chloe sent
back with chloe's comment; chloe's next request for changes, made in her review queue in
another browser, appears on alice's page without a reload; the entry opens the item's panel
on its board. Read on a desktop and on a phone (390×844)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in


@pytest.fixture
def person(browser, live_server):
    """``person(username, width, height)`` → a signed-in page, where sign-in lands."""
    _, base = live_server
    contexts, errors = [], []

    def open_(username, width=1280, height=900):
        context = browser.new_context(base_url=base, viewport={"width": width, "height": height}, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        sign_in(page, username)  # through the form: where sign-in lands is what is tested
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def request_changes(seed, item_id, comment, decision="request_changes", lead="chloe"):
    from workflow.extensions import db
    from workflow.models import User
    from workflow.services import workflow as workflow_service

    def run():
        reviewer = db.session.query(User).filter_by(username=lead).one()
        workflow_service.review_item(reviewer, item_id, decision, comment=comment)

    seed(run)


def submitted_days_ago(seed, item_id, days):
    from datetime import timedelta

    from workflow.extensions import db
    from workflow.models import Item, utcnow

    def run():
        db.session.get(Item, item_id).submitted_at = utcnow() - timedelta(days=days)
        db.session.commit()

    seed(run)


def entry(page, section, title):
    return page.locator(f"#work-{section} .work-entry", has=page.locator(".work-link", has_text=title))


def test_alice_lands_on_her_work_and_sees_chloes_request_live_then_opens_the_panel(
        person, board_group, make_items, seed):
    first, second = make_items(board_group, [("alice", "Affiche du cycle Varda", "in_review"),
                                             ("alice", "Atelier liseuses", "in_review")])
    request_changes(seed, first, "Ajoutez les horaires des séances.")

    alice = person("alice")
    expect(alice).to_have_url(re.compile(r"/$"))
    expect(alice.locator("h1")).to_have_text("Mon travail")
    rework = entry(alice, "to_rework", "Affiche du cycle Varda")
    expect(rework).to_contain_text("Chloe demande des modifications :")
    expect(rework).to_contain_text("Ajoutez les horaires des séances.")
    expect(alice.locator("#work-to_rework .work-title")).to_contain_text("À reprendre")
    expect(alice.locator("#work-to_review")).to_have_count(0)  # an agent reviews nothing
    expect(alice.locator("#work-mentions .work-title")).to_contain_text("Mentions")
    container = alice.locator("#my-work")
    expect(container).to_have_attribute("data-live", "1", timeout=10_000)
    alice.evaluate("() => { window.notReloaded = true; }")
    count_before = int(alice.locator("#work-to_rework").get_attribute("data-count"))

    # Chloe, in her own browser, asks for changes on the second item from her review queue.
    chloe = person("chloe")
    chloe.goto("/reviews")
    queue = chloe.locator("#review-queue")
    expect(queue).to_have_attribute("data-live", "1", timeout=10_000)
    expect(queue).to_have_attribute("data-refreshed", re.compile(r"^[1-9]\d*$"), timeout=10_000)
    review = chloe.locator(f"#review-{second}")
    review.locator("textarea[name=comment]").fill("Précisez le public visé.")
    review.locator('button[value="request_changes"]').click()
    expect(chloe.locator(f"#review-{second}")).to_have_count(0, timeout=5000)

    # Alice's page shows it without a reload, with the comment and the new count.
    live = entry(alice, "to_rework", "Atelier liseuses")
    expect(live).to_contain_text("Précisez le public visé.", timeout=5000)
    expect(alice.locator("#work-to_rework")).to_have_attribute("data-count", str(count_before + 1))
    expect(alice.locator("#work-to_rework .work-count")).to_have_text(f"({count_before + 1})")
    assert alice.evaluate("() => window.notReloaded === true")
    shot(alice, "my-work-desktop", full_page=True)

    # The entry opens the item's panel on its board.
    live.locator(".work-link").click()
    alice.wait_for_url(re.compile(rf"/groups/{board_group}/board\?item={second}$"))
    expect(alice.locator("#panel")).to_be_visible(timeout=10_000)
    expect(alice.locator("#panel-title")).to_have_text("Atelier liseuses")


def test_a_lead_sees_what_to_review_overdue_marked_and_what_to_schedule(person, lone_group, make_items, seed):
    lead, group_id = lone_group
    late, approved = make_items(group_id, [("anna", "Tutoriel Libby", "in_review"),
                                           ("anna", "Kamishibaï numérique", "in_review")])
    submitted_days_ago(seed, late, 12)
    request_changes(seed, approved, "", decision="approve", lead=lead)
    chloe = person(lead)
    to_review = entry(chloe, "to_review", "Tutoriel Libby")
    expect(to_review).to_contain_text("En retard (limite : 3 jours ouvrés)")
    expect(to_review).to_have_class(re.compile("work-entry-late"))
    expect(entry(chloe, "to_schedule", "Kamishibaï numérique")).to_contain_text("Approuvé")
    expect(chloe.locator("#work-to_review .work-title")).to_contain_text("À relire")
    shot(chloe, "my-work-lead", full_page=True)


def test_my_work_reads_on_a_phone_without_sideways_scrolling(person, board_group, make_items, seed):
    [item_id] = make_items(board_group, [("alice", "Sélection de romans graphiques pour l'été", "in_review")])
    request_changes(seed, item_id, "Ajoutez une image de couverture et la liste des titres retenus, "
                                   "avec leur cote dans le catalogue commun du réseau.")
    alice = person("alice", width=390, height=844)
    expect(entry(alice, "to_rework", "Sélection de romans graphiques")).to_contain_text("cote dans le catalogue")
    expect(alice.locator("#my-work")).to_have_attribute("data-live", "1", timeout=10_000)
    assert alice.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    headings = alice.locator("#my-work h2")
    assert headings.count() == 4  # À reprendre, Échéances, Mentions, Suivis
    expect(headings.nth(1)).to_contain_text("Échéances")
    shot(alice, "my-work-phone", full_page=True)


def test_a_page_that_missed_a_change_while_offline_catches_up_on_reconnecting(person, board_group, make_items, seed):
    [item_id] = make_items(board_group, [("alice", "Guide des ressources en ligne", "in_review")])
    alice = person("alice")
    container = alice.locator("#my-work")
    expect(container).to_have_attribute("data-live", "1", timeout=10_000)
    # The fetch the connection asked for has drawn (the page's own draw, then that one): one
    # still pending would bring the change below without the socket.
    alice.wait_for_function("() => Number(document.getElementById('my-work').dataset.refreshed) >= 2")
    # The tab's one socket (socket.js, shared with the bell) goes away; the change happens meanwhile.
    alice.evaluate("() => window.relaisBell.socket.disconnect()")
    expect(container).to_have_attribute("data-live", "0")
    request_changes(seed, item_id, "Vérifiez les liens morts.")
    expect(entry(alice, "to_rework", "Guide des ressources en ligne")).to_have_count(0)
    alice.evaluate("() => window.relaisBell.socket.connect()")
    expect(entry(alice, "to_rework", "Guide des ressources en ligne")).to_contain_text(
        "Vérifiez les liens morts.", timeout=5000)


def test_opening_a_mention_from_my_work_marks_it_read(person, board_group, make_items, seed):
    from workflow.extensions import db
    from workflow.models import User
    from workflow.services import comments

    [item_id] = make_items(board_group, [("anna", "Quiz du mois", "proposed")])

    def mention():
        chloe = db.session.query(User).filter_by(username="chloe").one()
        comments.add_comment(chloe, item_id, "@alice tu peux relire la question 3 ?")

    seed(mention)
    alice = person("alice")
    mentioned = entry(alice, "mentions", "Quiz du mois")
    expect(mentioned).to_contain_text("relire la question 3")
    mentioned.locator(".work-link").click()
    alice.wait_for_url(re.compile(rf"/groups/{board_group}/board\?item={item_id}$"))
    expect(alice.locator("#panel-title")).to_have_text("Quiz du mois", timeout=10_000)
    alice.goto("/")
    expect(alice.locator("#work-mentions")).to_be_visible()
    expect(entry(alice, "mentions", "Quiz du mois")).to_have_count(0)
