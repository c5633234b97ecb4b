"""On a phone (390×844): the calendar and the review queue fit the screen's width (no
sideways scrolling), the calendar's toolbar wraps inside it, and the calendar opens on
its list view."""
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests import factories as f


from .conftest import shot, signed_in_page

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# The page's width, and what sticks out past the screen's right edge (to say what to fix).
OVERFLOW = """() => ({
  width: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > 390.5 && el.getClientRects().length)
    .slice(0, 8).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} → ${Math.round(el.getBoundingClientRect().right)}`),
})"""


@pytest.fixture
def open_phone(browser, live_server):
    _, base = live_server
    contexts, errors = [], []

    def open_(username, path):
        context, page = signed_in_page(browser, base, username, path,
                                       listen=lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))),
                                       viewport=PHONE, locale="fr-FR", timezone_id="Europe/Paris",
                                       is_mobile=True, has_touch=True, device_scale_factor=2)
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def assert_fits(page):
    seen = page.evaluate(OVERFLOW)
    assert seen["width"] <= PHONE["width"], f"the page is {seen['width']} px wide: {seen['wide']}"


def test_the_calendar_fits_a_phone_and_opens_on_its_list(open_phone, board_group, seed):
    def run():
        from workflow.extensions import db
        from workflow.models import Group, User

        f.ItemFactory(group=db.session.get(Group, board_group), state="published",
                      author=db.session.query(User).filter_by(username="alice").one(),
                      title="Exposition en ligne : les affiches de la Libération", published_at=datetime.now(timezone.utc))
        db.session.commit()

    seed(run)
    calendar = open_phone("david", "/calendar")
    expect(calendar.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    expect(calendar.locator(".fc-list, .fc-listMonth-view").first).to_be_visible()
    expect(calendar.locator(".fc-listMonth-button")).to_have_class("fc-listMonth-button fc-button fc-button-primary fc-button-active")
    expect(calendar.locator(".fc-list-event", has_text="les affiches de la Libération")).to_be_visible()
    assert_fits(calendar)
    for button in calendar.locator(".fc-toolbar button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], button.inner_text()
    shot(calendar, "calendar-phone")
    shot(calendar, "calendar-phone-full", full_page=True)
    calendar.click(".fc-dayGridMonth-button")
    expect(calendar.locator(".fc-daygrid").first).to_be_visible()
    assert_fits(calendar)
    shot(calendar, "calendar-phone-month")


def test_a_publication_late_in_the_evening_is_listed_once_on_its_own_day(open_phone, board_group, seed):
    """An instant drawn an hour long from 23:30 must not spill into the next day: the list
    showed it twice (23:30 and 00:00 the next day), as if published twice."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    now = datetime.now(paris)
    evening = datetime(now.year, now.month, 10, 23, 30, tzinfo=paris)  # the 11th is in the same month
    due_evening = datetime(now.year, now.month, 12, 23, 45, tzinfo=paris)

    def run():
        from workflow.extensions import db
        from workflow.models import Group, User

        group = db.session.get(Group, board_group)
        alice = db.session.query(User).filter_by(username="alice").one()
        f.ItemFactory(group=group, state="published", author=alice, title="Veillée contes du soir",
                      published_at=evening.astimezone(timezone.utc))
        f.ItemFactory(group=group, state="proposed", author=alice, title="Dossier nuit de la lecture",
                      due_at=due_evening.astimezone(timezone.utc))
        db.session.commit()

    seed(run)
    calendar = open_phone("david", "/calendar")
    expect(calendar.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
    published = calendar.locator(".fc-list-event", has_text="Veillée contes du soir")
    expect(published.first).to_be_visible()
    expect(published).to_have_count(1)
    expect(published.locator(".fc-list-event-time")).to_have_text("23:30")  # an instant, not "23:30 - 00:00"
    due = calendar.locator(".fc-list-event", has_text="Dossier nuit de la lecture")
    expect(due.first).to_be_visible()
    expect(due).to_have_count(1)
    shot(calendar, "calendar-phone-late-evening")
    calendar.click(".fc-dayGridMonth-button")
    expect(calendar.locator(".fc-daygrid-event", has_text="Veillée contes du soir")).to_have_count(1)


def test_the_review_queue_fits_a_phone(open_phone, lone_group, seed):
    lead, group_id = lone_group
    long_url = "https://example.org/ressources/" + "romansgraphiquespourlete" * 4
    long_line = "Une ligne de code sans espace: " + "x" * 120

    def run():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import items as item_service
        from workflow.services import workflow as workflow_service

        alice = db.session.query(User).filter_by(username="alice").one()
        reviewer = db.session.query(User).filter_by(username=lead).one()
        item = item_service.create_item(alice, group_id, {
            "title": "Sélection de romans graphiques pour l’été", "resource_type": "article",
            "resource_url": long_url, "summary": "Une sélection commentée.",
            "body": f"| Titre | Auteur | Éditeur |\n| --- | --- | --- |\n| Un | Deux | Trois |\n\n    {long_line}\n"})
        workflow_service.transition_item(alice, item.id, "in_review")
        workflow_service.review_item(reviewer, item.id, "request_changes", "Voir " + long_url)
        item = item_service.update_item(alice, item.id, {"body": f"Nouveau corps\n\n    {long_line}2\n"},
                                        expected_version=db.session.get(type(item), item.id).version)
        workflow_service.transition_item(alice, item.id, "in_review")
        return item.id

    item_id = seed(run)
    queue = open_phone(lead, "/reviews")
    expect(queue.locator(f"#review-{item_id}")).to_be_visible()
    assert_fits(queue)
    shot(queue, "reviews-phone")
    shot(queue, "reviews-phone-full", full_page=True)
