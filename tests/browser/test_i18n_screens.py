"""The board, the calendar and the dashboard, in French and in English, as a coordinator
who chose each language sees them. Screenshots go to test-artifacts/i18n-<page>-<locale>.png."""
import pytest
from playwright.sync_api import expect

from tests import factories as f

from .conftest import shot

WORDS = {
    "fr": {"column": "En relecture", "calendar": "Calendrier des publications", "today": "Aujourd'hui",
           "dashboard": "Tableau de bord", "live": "En direct", "published": "✓ Publié · Exposition virtuelle"},
    "en": {"column": "In review", "calendar": "Publication calendar", "today": "today",
           "dashboard": "Dashboard", "live": "Live", "published": "✓ Published · Exposition virtuelle"},
}


@pytest.fixture
def reader(seed):
    """``reader(locale)``: a coordinator whose chosen language is ``locale``; returns the username."""

    def make(locale):
        from workflow.extensions import db
        from workflow.models import User

        username = f"coord-{locale}"

        def create():
            user = db.session.query(User).filter_by(username=username).one_or_none()
            if user is None:
                f.UserFactory(username=username, display_name=f"Coordination {locale.upper()}",
                              is_coordinator=True, locale=locale)
            return username

        return seed(create)

    return make


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_board_calendar_and_dashboard_speak_the_readers_language(locale, open_board, board_group, make_items,
                                                                  reader, seed):
    words = WORDS[locale]

    def published_now():
        from datetime import datetime, timedelta, timezone

        from workflow.extensions import db
        from workflow.models import Group, User

        alice = db.session.query(User).filter_by(username="alice").one()
        f.ItemFactory(group=db.session.get(Group, board_group), author=alice, state="published",
                      title="Exposition virtuelle", published_at=datetime.now(timezone.utc) - timedelta(minutes=1))
        db.session.commit()

    seed(published_now)
    make_items(board_group, [("alice", "Podcast Jeunesse", "in_review"), ("anna", "Tutoriel Libby", "proposed"),
                             ("alice", "Cours de langues en ligne", "proposed")])
    page = open_board(reader(locale), board_group)

    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator('.column[data-state="in_review"] .column-name')).to_have_text(words["column"])
    expect(page.locator("#connection")).to_have_text(words["live"])
    shot(page, f"i18n-board-{locale}")

    page.goto("/calendar")
    expect(page.locator("h1")).to_have_text(words["calendar"])
    expect(page.locator(".fc-today-button")).to_have_text(words["today"], ignore_case=True)
    expect(page.locator(".fc-event.is-published", has_text="Exposition virtuelle").first).to_contain_text(
        words["published"])
    expect(page.locator("#connection")).to_have_text(words["live"])
    shot(page, f"i18n-calendar-{locale}")

    page.goto("/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator("h1")).to_contain_text(words["dashboard"])
    page.wait_for_load_state("networkidle")
    shot(page, f"i18n-dashboard-{locale}", full_page=True)
