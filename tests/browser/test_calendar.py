"""The calendar in Chromium: a coordinator drags an approved item onto a day and
another person's board shows it scheduled without reload; a drop onto a full
day is refused with the rule's message; FullCalendar styles itself under the CSP."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot, signed_in_page

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def open_calendar(browser, live_server):
    _, base = live_server
    contexts, errors, csp = [], [], []

    def open_(username):
        def listen(page):
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)

        context, page = signed_in_page(browser, base, username, "/calendar", listen=listen, locale="fr-FR",
                                       viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Paris")
        contexts.append(context)
        expect(page.locator("#connection")).to_have_attribute("data-status", "online", timeout=10_000)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not csp, f"CSP violations: {csp}"


def next_month_day():
    """A weekday of next month (so the day is in the future and visible after one 'next')."""
    today = datetime.now(PARIS).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    day = first + timedelta(days=9)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def add_approved(seed, group_id, title):
    def run():
        from workflow.extensions import db
        from workflow.models import Group, User

        author = db.session.query(User).filter_by(username="alice").one()
        item = f.ItemFactory(group=db.session.get(Group, group_id), author=author, state="approved", title=title)
        db.session.commit()
        return item.id

    return seed(run)


def fill_day(seed, group_id, day):
    def run():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        channel = db.session.query(Channel).filter_by(slug="bibliotheque-en-ligne").one_or_none()
        if channel is None:
            channel = f.ChannelFactory(slug="bibliotheque-en-ligne", name="Bibliothèque en ligne", daily_capacity=3)
        author = db.session.query(User).filter_by(username="alice").one()
        booked = sum(1 for i in channel_items(db, channel) if i.scheduled_at.astimezone(PARIS).date() == day)
        for hour in range(9, 9 + channel.daily_capacity - booked):
            f.ItemFactory(group=db.session.get(Group, group_id), author=author, state="scheduled", channel=channel, title=f"Plein {hour}h",
                          scheduled_at=datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(timezone.utc))
        db.session.commit()

    return seed(run)


def channel_items(db, channel):
    from workflow.models import Item

    return db.session.query(Item).filter_by(channel_id=channel.id, state="scheduled").all()


def ensure_channel(seed):
    def run():
        from workflow.extensions import db
        from workflow.models import Channel

        if db.session.query(Channel).filter_by(slug="bibliotheque-en-ligne").one_or_none() is None:
            f.ChannelFactory(slug="bibliotheque-en-ligne", name="Bibliothèque en ligne", daily_capacity=3)
            db.session.commit()

    seed(run)


def show_only(page, group_id, channel="bibliotheque-en-ligne"):
    """Filter the calendar on the test's own group and channel: the coordinator's side list
    also holds every other browser test's approved items (oldest first, up to a limit), and
    a drop without a channel goes to the filtered one rather than the first of all channels."""
    page.select_option("#filter-group", str(group_id))
    page.select_option("#filter-channel", channel)
    # Wait for the filtered list (the group's one approved item), not the old one about to be replaced.
    expect(page.locator(".unscheduled-item")).to_have_count(1)


def drag_to_day(page, source, day):
    cell = page.locator(f'.fc-daygrid-day[data-date="{day.isoformat()}"]')
    # Other tests' approved items share the coordinator's side list: bring ours into view.
    source.scroll_into_view_if_needed()
    box, target = source.bounding_box(), cell.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 40, box["y"] + 20, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=15)
    page.mouse.up()


def test_dragging_an_approved_item_onto_a_day_schedules_it_live_on_anothers_board(
        open_calendar, open_board, board_group, seed):
    ensure_channel(seed)
    item_id = add_approved(seed, board_group, "Conférence gesticulée")
    day = next_month_day()
    board = open_board("alice", board_group)
    calendar = open_calendar("david")
    calendar.click(".fc-next-button")
    show_only(calendar, board_group)
    source = calendar.locator(f'.unscheduled-item[data-item-id="{item_id}"]')
    expect(source).to_be_visible()
    drag_to_day(calendar, source, day)
    expect(calendar.locator(f'.fc-event[data-item-id="{item_id}"]')).to_be_visible()
    card = board.locator(f'.cards[data-state="scheduled"] [data-id="{item_id}"], '
                         f'.cards[data-state="scheduled"] #card-{item_id}').first
    expect(card).to_be_visible(timeout=10_000)
    expect(card.locator("time.when")).to_contain_text(day.strftime("%d/%m/%Y") + " 10:00")
    shot(calendar, "calendar-after-drop")


def test_a_drop_onto_a_full_day_is_refused_with_the_rules_message(open_calendar, board_group, seed):
    ensure_channel(seed)
    day = next_month_day() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    fill_day(seed, board_group, day)
    item_id = add_approved(seed, board_group, "Heure du conte numérique")
    calendar = open_calendar("david")
    calendar.click(".fc-next-button")
    show_only(calendar, board_group)
    source = calendar.locator(f'.unscheduled-item[data-item-id="{item_id}"]')
    expect(source).to_be_visible()
    drag_to_day(calendar, source, day)
    toast = calendar.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("est complet le")
    expect(calendar.locator("#toast-action")).to_contain_text("Programmer le")
    expect(source).to_be_visible()  # still waiting for a date
    shot(calendar, "calendar-refused-full-day")


def test_fullcalendar_renders_styled_under_the_csp(open_calendar, board_group, seed):
    ensure_channel(seed)
    calendar = open_calendar("david")
    toolbar = calendar.locator(".fc-toolbar")
    expect(toolbar).to_be_visible()
    # Its injected stylesheet lays the toolbar out as a flex row (unstyled, it would be a block).
    assert toolbar.evaluate("el => getComputedStyle(el).display") == "flex"
    expect(calendar.locator(".fc-day-today").first).to_be_visible()
    shot(calendar, "calendar-month", full_page=True)


def _contrast(foreground, background):
    """WCAG contrast ratio of two ``rgb(r, g, b)`` / ``rgba(...)`` colours."""
    def luminance(css):
        r, g, b = (int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])

        def channel(c):
            c = c / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


READ_COLOURS = """el => {
  if (!el.isConnected) return null;
  let bg = el;
  while (bg && ["rgba(0, 0, 0, 0)", "transparent"].includes(getComputedStyle(bg).backgroundColor)) bg = bg.parentElement;
  return [getComputedStyle(el).color, bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)"];
}"""


def read_colours(locator, attempts=20):
    """The text and background colours of what `locator` finds. The calendar redraws
    its rows when live updates arrive; a row read as it is replaced has no computed
    style, so the read is made again on the row that replaced it."""
    for _ in range(attempts):
        colours = locator.evaluate(READ_COLOURS)
        if colours and all(colours):
            return colours
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"{locator} never stayed in the page long enough to read its colours")


def test_the_list_view_shows_a_scheduled_publication_readably(open_calendar, board_group, seed):
    """A coordinator switching to the list view reads each scheduled publication's
    title and time: dark text on the list's light rows (it was white on white)."""
    ensure_channel(seed)
    day = next_month_day()

    def run():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        channel = db.session.query(Channel).filter_by(slug="bibliotheque-en-ligne").one()
        author = db.session.query(User).filter_by(username="alice").one()
        f.ItemFactory(group=db.session.get(Group, board_group), author=author, state="scheduled", channel=channel,
                      title="Atelier lecture à voix haute",
                      scheduled_at=datetime(day.year, day.month, day.day, 11, tzinfo=PARIS).astimezone(timezone.utc))
        db.session.commit()

    seed(run)
    calendar = open_calendar("david")
    calendar.locator(".fc-next-button").click()
    calendar.locator(".fc-listMonth-button").click()
    row = calendar.locator(".fc-list-event", has_text="Atelier lecture à voix haute")
    expect(row).to_be_visible()
    for part in (".fc-list-event-title", ".fc-list-event-time"):
        colour, background = read_colours(row.locator(part))
        assert _contrast(colour, background) >= 4.5, (part, colour, background)
    shot(calendar, "calendar-list-scheduled")
