"""Edits after approval, as the people do it: Alice edits the title of her scheduled
item — the panel tells her first that it goes back to review with its slot held; Chloe,
a lead, sees it come back to review live and approves it again — it is back on its slot,
on Alice's open board too."""
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from .. import factories as f
from .conftest import shot
from .test_calendar import PARIS, _contrast, open_calendar, read_colours  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def scheduled_item(seed, board_group):
    """An item of Alice's, approved by Chloe and scheduled in 5 days at 10:00 UTC."""
    def create():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import items as item_service
        from workflow.services import workflow as workflow_service

        def user(name):
            return db.session.query(User).filter_by(username=name).one()

        channel = f.ChannelFactory(name=f"Newsletter jeunesse {board_group}", daily_capacity=3)
        db.session.commit()
        item = item_service.create_item(user("alice"), board_group, {"title": "Heure du conte en ligne",
                                                                     "resource_type": "article"})
        workflow_service.transition_item(user("alice"), item.id, "in_review")
        workflow_service.review_item(user("chloe"), item.id, "approve")
        when = (datetime.now(timezone.utc) + timedelta(days=5)).replace(hour=10, minute=0, second=0, microsecond=0)
        workflow_service.schedule_item(user("chloe"), item.id, when, channel.slug)
        return item.id

    return seed(create)


def column_of(page, item_id):
    return page.locator(f"#card-{item_id}").evaluate("c => c.closest('[data-state]').dataset.state")


def test_a_title_edit_warns_then_holds_the_slot_and_reapproval_restores_it(open_board, board_group, scheduled_item):
    alice = open_board("alice", board_group, query=f"?item={scheduled_item}")
    chloe = open_board("chloe", board_group)
    expect(alice.locator("#panel-title")).to_have_text("Heure du conte en ligne")
    expect(alice.locator("#edit-sendback")).to_be_hidden()
    alice.locator("#edit-audience").fill("Familles")  # not content: no warning
    expect(alice.locator("#edit-sendback")).to_be_hidden()
    alice.locator("#edit-title").fill("Heure du conte en ligne — spécial hiver")
    warning = alice.locator("#edit-sendback")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("cet élément repart en relecture")
    expect(warning).to_contain_text("reste réservé")
    expect(alice.locator("#edit-save")).to_have_text("Enregistrer et renvoyer en relecture")
    shot(alice, "held-slot-warning")
    alice.locator("#edit-save").click()
    expect(alice.locator("#toast-text")).to_contain_text("de retour en relecture")
    expect(alice.locator("#toast-text")).to_contain_text("est réservé")
    shot(alice, "held-slot-saved")
    # Chloe's open board shows it back in review, live.
    expect(chloe.locator(f"#card-{scheduled_item}")).to_contain_text("spécial hiver", timeout=5000)
    assert column_of(chloe, scheduled_item) == "in_review"
    chloe.locator(f"#card-{scheduled_item} .card-title").click()
    expect(chloe.locator("#review-section")).to_be_visible()
    chloe.locator('#review-section [data-decision="approve"]').click()
    expect(chloe.locator("#toast-text")).to_contain_text("De retour sur son créneau")
    expect(chloe.locator("#toast-text")).to_contain_text("Newsletter jeunesse")
    shot(chloe, "held-slot-restored")
    alice.keyboard.press("Escape")
    alice.wait_for_function(
        "id => document.getElementById('card-' + id)?.closest('[data-state]')?.dataset.state === 'scheduled'",
        arg=scheduled_item, timeout=5000)


def test_the_warning_fits_a_phone(open_board, board_group, scheduled_item):
    alice = open_board("alice", board_group, width=390, height=844, query=f"?item={scheduled_item}")
    expect(alice.locator("#panel-title")).to_have_text("Heure du conte en ligne")
    alice.locator("#edit-title").fill("Heure du conte — hiver")
    expect(alice.locator("#edit-sendback")).to_be_visible()
    alice.locator("#edit-sendback").scroll_into_view_if_needed()
    box = alice.locator("#edit-sendback").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(alice, "held-slot-warning-phone")


def test_the_calendar_shows_the_held_slot_pending_then_scheduled_again_live(
        open_board, open_calendar, board_group, scheduled_item, seed):  # noqa: F811 (fixture)
    def edit_title():
        from workflow.extensions import db
        from workflow.models import Item, User
        from workflow.services import items as item_service

        alice = db.session.query(User).filter_by(username="alice").one()
        item = db.session.get(Item, scheduled_item)
        item_service.update_item(alice, item.id, {"title": "Heure du conte — hiver"}, item.version)
        return item.held_slot_at

    held_at = seed(edit_title)
    calendar = open_calendar("david")
    now = datetime.now(PARIS)
    if held_at.astimezone(PARIS).month != now.month:
        calendar.locator(".fc-next-button").click()
    calendar.locator(".fc-listMonth-button").click()
    row = calendar.locator(".fc-list-event.is-held", has_text="Heure du conte — hiver")
    expect(row).to_be_visible()
    expect(row).to_contain_text("En attente de relecture")
    colour, background = read_colours(row.locator(".fc-list-event-title"))
    assert _contrast(colour, background) >= 4.5, (colour, background)
    shot(calendar, "calendar-held-slot")

    def reapprove():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import workflow as workflow_service

        chloe = db.session.query(User).filter_by(username="chloe").one()
        workflow_service.review_item(chloe, scheduled_item, "approve")

    seed(reapprove)
    expect(calendar.locator(".fc-list-event.is-scheduled", has_text="Heure du conte — hiver")).to_be_visible(
        timeout=5000)
    expect(calendar.locator(".fc-list-event.is-held")).to_have_count(0)
