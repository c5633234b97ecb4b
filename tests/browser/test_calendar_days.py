"""The calendar's days as a coordinator sees them with "All channels": each channel's
fullness and closures are marked in the month view, a drop onto a day full for the item's
channel is refused before anything is sent, a drop of an item without a channel asks for
one, month labels are readable, and a published card shows its publication date."""
import itertools
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot
from .test_calendar import PARIS, drag_to_day, open_calendar  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
_days = itertools.count(0)


def month_after_next(day_of_month):
    """A day of the month after next: no other calendar test books there (they use next month)."""
    today = datetime.now(PARIS).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first + timedelta(days=32)).replace(day=day_of_month)


def a_free_day():
    """A different weekday of the month after next for each test (16th onwards)."""
    day = month_after_next(16) + timedelta(days=next(_days))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def go_to(calendar, day):
    """Show the month of ``day`` (month view)."""
    for _ in range(24):
        if calendar.locator(f'.fc-daygrid-day[data-date="{day.isoformat()}"]:not(.fc-day-other)').count():
            return
        calendar.click(".fc-next-button")
    raise AssertionError(f"{day} never shown")


@pytest.fixture
def channel(seed):
    """A channel of its own with room for one publication a day."""
    return new_channel(seed)


def new_channel(seed):
    def run():
        from workflow.extensions import db

        tag = uuid.uuid4().hex[:6]
        made = f.ChannelFactory(slug=f"lettre-{tag}", name=f"Lettre {tag}", daily_capacity=1)
        db.session.commit()
        return {"id": made.id, "slug": made.slug, "name": made.name}

    return seed(run)


def book(seed, group_id, channel, day, title, hour=9):
    def run():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        author = db.session.query(User).filter_by(username="alice").one()
        item = f.ItemFactory(group=db.session.get(Group, group_id), author=author, state="scheduled", title=title,
                             channel=db.session.get(Channel, channel["id"]),
                             scheduled_at=datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(timezone.utc))
        db.session.commit()
        return item.id

    return seed(run)


def approved(seed, group_id, title, channel=None):
    def run():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        author = db.session.query(User).filter_by(username="alice").one()
        item = f.ItemFactory(group=db.session.get(Group, group_id), author=author, state="approved", title=title,
                             channel=db.session.get(Channel, channel["id"]) if channel else None)
        db.session.commit()
        return item.id

    return seed(run)


def stored(seed, item_id):
    def run():
        from workflow.extensions import db
        from workflow.models import Item

        item = db.session.get(Item, item_id)
        return {"state": item.state, "channel": item.channel.slug if item.channel else None,
                "scheduled_at": item.scheduled_at}

    return seed(run)


@pytest.fixture
def close_for_everyone(seed):
    """``close_for_everyone(day)`` makes ``day`` a blackout date of every channel (undone after the test)."""
    closed = []

    def close(day):
        def run():
            from workflow.extensions import db
            from workflow.models import BlackoutDate, Channel

            for c in db.session.query(Channel).all():
                db.session.add(BlackoutDate(channel_id=c.id, day=day, reason="Inventaire"))
            db.session.commit()
        seed(run)
        closed.append(day)

    yield close

    def reopen():
        from workflow.extensions import db
        from workflow.models import BlackoutDate

        db.session.query(BlackoutDate).filter(BlackoutDate.day.in_(closed)).delete(synchronize_session=False)
        db.session.commit()
    if closed:
        seed(reopen)


def only_group(calendar, group_id):
    """Filter on the test's group only (channels stay "All channels"), so the side list holds its items."""
    calendar.select_option("#filter-group", str(group_id))
    expect(calendar.locator("#filter-channel")).to_have_value("")
    # Wait for the filtered list (the group's one approved item), not the old one about to be replaced.
    expect(calendar.locator(".unscheduled-item")).to_have_count(1)


def schedule_posts(calendar):
    """The list of schedule requests the page sends from now on."""
    sent = []
    calendar.on("request", lambda r: sent.append(r.url) if r.method == "POST" and r.url.endswith("/schedule") else None)
    return sent


def test_month_view_with_all_channels_marks_a_full_day_and_a_closed_day(
        open_calendar, board_group, seed, channel, close_for_everyone):  # noqa: F811
    full_day = a_free_day()
    closed_day = full_day + timedelta(days=1)
    book(seed, board_group, channel, full_day, "Lettre du mardi")
    close_for_everyone(closed_day)
    calendar = open_calendar("david")
    go_to(calendar, full_day)
    expect(calendar.locator("#filter-channel")).to_have_value("")
    cell = calendar.locator(f'.fc-daygrid-day[data-date="{full_day.isoformat()}"]')
    badge = cell.locator(f'.capacity-badge[data-channel="{channel["slug"]}"]')
    expect(badge).to_have_text(f'{channel["name"]} 1/1')
    expect(badge).to_have_class("capacity-badge is-full")
    closed = calendar.locator(f'.fc-daygrid-day[data-date="{closed_day.isoformat()}"] .fc-bg-event.day-closed')
    expect(closed).to_contain_text("Fermé — Inventaire")
    shot(calendar, "calendar-all-channels-full-and-closed")
    # The week view shows the same badges in its all-day row.
    calendar.evaluate("day => window.relaisCalendar.calendar.changeView('timeGridWeek', day)", full_day.isoformat())
    expect(calendar.locator(f'.fc-timegrid .capacity-badge[data-channel="{channel["slug"]}"]')).to_have_text(
        f'{channel["name"]} 1/1')
    shot(calendar, "calendar-week-badges")


def test_a_drop_on_a_day_full_for_the_items_channel_is_refused_before_it_is_sent(
        open_calendar, board_group, seed, channel):  # noqa: F811
    day = a_free_day()
    book(seed, board_group, channel, day, "Déjà programmé")
    item_id = approved(seed, board_group, "Lecture musicale", channel)
    calendar = open_calendar("david")
    go_to(calendar, day)
    only_group(calendar, board_group)
    source = calendar.locator(f'.unscheduled-item[data-item-id="{item_id}"]')
    expect(source).to_be_visible()
    expect(calendar.locator(f'.fc-daygrid-day[data-date="{day.isoformat()}"] .capacity-badge.is-full')).to_be_visible()
    sent = schedule_posts(calendar)
    drag_to_day(calendar, source, day)
    toast = calendar.locator("#toast")
    expect(toast).to_contain_text(f'Le canal « {channel["name"]} » est complet le')
    expect(toast).to_contain_text("Prochain créneau libre")
    expect(calendar.locator("#toast-action")).to_contain_text("Programmer le")
    assert sent == [] and stored(seed, item_id)["state"] == "approved"
    expect(source).to_be_visible()
    shot(calendar, "calendar-refused-before-sent")


def test_a_drop_of_an_item_without_a_channel_asks_which_channel(open_calendar, board_group, seed, channel):  # noqa: F811
    day = a_free_day()
    roomy = new_channel(seed)
    book(seed, board_group, channel, day, "Le canal est pris")
    item_id = approved(seed, board_group, "Rencontre d’auteur")
    calendar = open_calendar("david")
    go_to(calendar, day)
    only_group(calendar, board_group)
    source = calendar.locator(f'.unscheduled-item[data-item-id="{item_id}"]')
    expect(source).to_be_visible()
    sent = schedule_posts(calendar)
    drag_to_day(calendar, source, day)
    dialog = calendar.locator("#channel-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Sur quel canal publier « Rencontre d’auteur » ?")
    full = dialog.locator(f'.channel-choice[data-channel="{channel["slug"]}"]')
    next_day = day + timedelta(days=1)
    expect(full).to_contain_text(f"Complet — prochain créneau libre {next_day.strftime('%d/%m/%Y')} 10:00")
    expect(dialog.locator(f'.channel-choice[data-channel="{roomy["slug"]}"]')).to_contain_text(
        f"{day.strftime('%d/%m/%Y')} 10:00")
    assert sent == []
    shot(calendar, "calendar-asks-the-channel")
    full.click()
    expect(dialog).to_be_hidden()
    expect(calendar.locator(f'.fc-event[data-item-id="{item_id}"]')).to_be_visible()
    booked = stored(seed, item_id)
    assert booked["channel"] == channel["slug"] and len(sent) == 1
    assert booked["scheduled_at"].astimezone(PARIS) == datetime(next_day.year, next_day.month, next_day.day, 10, tzinfo=PARIS)


def test_a_day_full_on_every_channel_is_shaded_and_a_channel_less_drop_there_is_refused(
        open_calendar, board_group, seed, channel):  # noqa: F811
    day = a_free_day()

    def fill_every_channel():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        author = db.session.query(User).filter_by(username="alice").one()
        for c in db.session.query(Channel).all():
            for n in range(c.daily_capacity):
                f.ItemFactory(group=db.session.get(Group, board_group), author=author, state="scheduled", channel=c,
                              title=f"Plein {c.slug} {n}",
                              scheduled_at=datetime(day.year, day.month, day.day, 8, tzinfo=PARIS).astimezone(timezone.utc))
        db.session.commit()

    seed(fill_every_channel)
    item_id = approved(seed, board_group, "Concert en ligne")
    calendar = open_calendar("david")
    go_to(calendar, day)
    only_group(calendar, board_group)
    expect(calendar.locator(f'.fc-daygrid-day[data-date="{day.isoformat()}"] .fc-bg-event.day-full')).to_have_count(1)
    sent = schedule_posts(calendar)
    drag_to_day(calendar, calendar.locator(f'.unscheduled-item[data-item-id="{item_id}"]'), day)
    expect(calendar.locator("#toast")).to_contain_text("Tous les canaux sont complets ou fermés le")
    expect(calendar.locator("#channel-dialog")).to_be_hidden()
    assert sent == [] and stored(seed, item_id)["state"] == "approved"


def test_month_labels_show_the_whole_time_and_title(open_calendar, board_group, seed, channel):  # noqa: F811
    day = a_free_day()
    title = "Atelier d’écriture collective pour adolescents et jeunes adultes"
    item_id = book(seed, board_group, channel, day, title)
    calendar = open_calendar("david")
    calendar.set_viewport_size({"width": 1000, "height": 900})
    go_to(calendar, day)
    event = calendar.locator(f'.fc-event[data-item-id="{item_id}"]')
    expect(event).to_be_visible()
    for part in (".fc-event-time", ".fc-event-title"):
        box = event.locator(part)
        assert box.evaluate("el => el.scrollWidth <= el.clientWidth"), f"{part} is cut"
    expect(event.locator(".fc-event-time")).to_have_text("09:00")
    named = re.compile("^" + re.escape(f"{day.strftime('%d/%m/%Y')} 09:00 {title} — "))
    expect(event).to_have_attribute("aria-label", named)
    expect(event).to_have_attribute("title", named)
    shot(calendar, "calendar-month-labels")


def test_a_published_card_on_the_board_shows_its_publication_date(open_board, board_group, seed, channel):
    """Rendered by the server and rebuilt live: a published card shows when it went out,
    not the date it had been scheduled for (the calendar shows it on that day too)."""
    earlier = datetime(2026, 3, 2, 10, tzinfo=PARIS)
    later = datetime.combine(a_free_day(), datetime.min.time().replace(hour=10), tzinfo=PARIS)
    today = datetime.now(PARIS).strftime("%d/%m/%Y")

    def run():
        from workflow.extensions import db
        from workflow.models import Channel, Group, User

        author = db.session.query(User).filter_by(username="alice").one()
        group, on = db.session.get(Group, board_group), db.session.get(Channel, channel["id"])
        out = f.ItemFactory(group=group, author=author, state="published", title="Exposition en ligne", channel=on,
                            scheduled_at=earlier.astimezone(timezone.utc), published_at=datetime.now(timezone.utc))
        due = f.ItemFactory(group=group, author=author, state="scheduled", title="Podcast du mois", channel=on,
                            scheduled_at=later.astimezone(timezone.utc))
        db.session.commit()
        return out.id, due.id

    published_id, scheduled_id = seed(run)
    board = open_board("chloe", board_group)
    expect(board.locator(f"#card-{published_id} time.when")).to_have_text(re.compile(f"^{today} "))
    expect(board.locator(f"#card-{scheduled_id} time.when")).to_have_text(later.strftime("%d/%m/%Y 10:00"))

    def publish_now():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import workflow as workflow_service

        david = db.session.query(User).filter_by(username="david").one()
        workflow_service.transition_item(david, scheduled_id, "published")

    seed(publish_now)
    live = board.locator(f'.cards[data-state="published"] #card-{scheduled_id} time.when')
    expect(live).to_have_text(re.compile(f"^{today} "), timeout=10_000)
    shot(board, "board-published-card-date")
