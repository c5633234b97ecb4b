"""`flask relais demo`: a network that looks like the real one (17 libraries in four
basins, four groups, a score of people) with six weeks of history made through the
services, so the dashboard has figures, people have a few unread notifications, and
nothing old is left for the publisher, the mailer or the webhooks. The demo is loaded
once for the module (it takes seconds); every test here only reads it."""
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from workflow.domain.states import STATES
from workflow.extensions import db
from workflow.i18n import TYPE_NAMES
from workflow.models import (Basin, Event, Group, Item, Library, Membership, Notification, OutboxMail, User,
                             WebhookDelivery)
from workflow.services import admin as admin_service
from workflow.services import workflow as workflow_service

from ..conftest import create_schema, make_app

# The accounts the README and the first demo named: they must keep working.
FIRST_DEMO_USERS = {"alice", "bruno", "chloe", "emma", "david", "admin"}
PASSWORD = "relais-demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("demo"))
    with app.app_context():
        create_schema()
        before = datetime.now(timezone.utc)
        result = app.test_cli_runner().invoke(args=["relais", "demo"])
        assert result.exit_code == 0, result.output
        app.loaded_between = (before, datetime.now(timezone.utc))
        app.cli_output = result.output
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(demo):
    return demo.test_client()


def token(client, username):
    response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, username
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def usernames():
    return set(db.session.scalars(select(User.username)))


# ---------------------------------------------------------------- the network

def test_demo_keeps_the_first_demo_accounts_and_every_account_signs_in(client):
    assert FIRST_DEMO_USERS <= usernames()
    for username in sorted(usernames()):
        token(client, username)


def test_demo_prints_every_account_with_its_role(demo):
    for username in usernames():
        assert username in demo.cli_output
    assert "relais-demo" in demo.cli_output and "coordinator: david" in demo.cli_output


def test_demo_has_a_dozen_agents_several_leads_and_a_coordinator(demo):
    roles = dict(db.session.execute(select(Membership.role, func.count(func.distinct(Membership.user_id)))
                                    .group_by(Membership.role)).all())
    assert roles["agent"] >= 12 and roles["lead"] >= 4
    assert db.session.scalar(select(func.count()).select_from(User).where(User.is_coordinator)) >= 1


def test_demo_has_17_libraries_in_4_basins(demo):
    boss = db.session.scalar(select(User).where(User.username == "admin"))
    libraries = admin_service.list_libraries(boss)
    assert len(libraries) == 17
    assert all(library.basin is not None for library in libraries)
    assert {library.basin.name for library in libraries} == {
        "Bassin de lecture Nord", "Bassin de lecture Sud", "Bassin de lecture Est", "Bassin de lecture Ouest"}


def test_the_nord_basin_has_its_three_mediatheques(demo):
    nord = db.session.scalar(select(Basin).where(Basin.name == "Bassin de lecture Nord"))
    assert [library.name for library in nord.libraries] == [
        "Médiathèque Aimé-Césaire", "Médiathèque Jacques-Prévert", "Médiathèque Louise-Michel"]


def test_people_work_in_libraries_of_every_basin(demo):
    basins = set(db.session.scalars(select(Basin.name).join(Library).join(User, User.library_id == Library.id)))
    assert len(basins) == 4


def test_demo_has_the_seed_groups_and_a_press_group_each_with_leads_and_agents(demo):
    names = set(db.session.scalars(select(Group.name)))
    assert len(names) == 4 and "Presse et actualité" in names
    for start in ("Autoformation", "Vidéo", "Jeunesse"):
        assert any(name.startswith(start) for name in names), start
    for group in db.session.scalars(select(Group)):
        roles = [m.role for m in group.memberships]
        assert "lead" in roles and roles.count("agent") >= 3, group.name


def test_no_group_is_named_like_a_resource_type_in_any_language(demo):
    names = {name.casefold() for name in db.session.scalars(select(Group.name))}
    for locale in ("fr", "en"):
        with force_locale(locale):
            labels = {str(label).casefold() for label in TYPE_NAMES.values()}
        assert not names & labels, locale


def test_demo_groups_have_distinct_calendar_colours(demo):
    colours = list(db.session.scalars(select(Group.color)))
    assert len(colours) == 4 and len(set(colours)) == 4


def test_demo_gives_the_coordinator_every_group(client):
    groups = client.get("/api/v1/groups", headers=token(client, "david")).get_json()
    assert len(groups) == 4


def test_demo_has_channels_in_use(demo):
    assert db.session.scalar(select(func.count(Item.id)).where(Item.channel_id.is_not(None))) > 0


# ---------------------------------------------------------------- the history

def test_demo_has_about_fifty_items_in_every_state(demo):
    assert 45 <= db.session.scalar(select(func.count(Item.id))) <= 60
    assert set(db.session.scalars(select(Item.state).distinct())) == set(STATES)


def test_demo_history_spans_the_past_six_weeks_and_stops_at_the_present(demo):
    before, after = demo.loaded_between
    first = db.session.scalar(select(func.min(Item.created_at)))
    last = db.session.scalar(select(func.max(Event.created_at)))
    assert first < before - timedelta(weeks=5)
    assert last <= after
    published = list(db.session.scalars(select(Item.published_at).where(Item.published_at.is_not(None))))
    assert len({(before - when).days // 7 for when in published}) >= 3, "publications over at least 3 weeks"


def test_a_published_demo_item_went_through_review_and_the_publisher(demo):
    published = db.session.scalars(select(Item).where(Item.state == "published")).first()
    types = list(db.session.scalars(select(Event.type).where(Event.item_id == published.id).order_by(Event.id)))
    assert types[0] == "item.created" and "review.created" in types and types[-1] == "item.published"
    assert published.created_at < published.submitted_at < published.scheduled_at <= published.published_at


def test_some_demo_items_had_changes_requested_and_came_back(demo):
    sent_back = db.session.scalar(select(func.count(func.distinct(Event.item_id))).where(
        Event.type == "review.created", Event.from_state == "in_review", Event.to_state == "proposed"))
    assert sent_back >= 2


def test_the_clock_is_back_to_the_present_after_the_demo(demo):
    before, _ = demo.loaded_between
    assert datetime.now(timezone.utc) >= before


# ---------------------------------------------------------------- as people see it

def test_the_dashboard_shows_real_lead_times_and_publications_right_after_the_demo(client):
    data = client.get("/api/v1/dashboard", headers=token(client, "david")).get_json()
    charts = data["charts"]
    overall = charts["lead-times"]["rows"][0]
    publications, median_lead, p90_lead, reviews, median_wait, p90_wait = overall[1:]
    assert publications >= 15 and reviews >= 30
    assert 1 <= median_lead <= p90_lead <= 30, overall
    assert 0 < median_wait <= p90_wait <= 15, overall
    weekly_totals = [sum(row[1:-1][week] for row in charts["publications-by-channel"]["rows"])
                     for week in range(12)]
    assert sum(1 for n in weekly_totals if n) >= 3, weekly_totals
    assert charts["upcoming"]["rows"], "items scheduled in the coming days"
    assert data["overdue_total"] >= 1, "a review or two waiting too long"


def test_a_lead_sees_figures_for_their_groups(client):
    data = client.get("/api/v1/dashboard", headers=token(client, "chloe")).get_json()
    assert len(data["groups"]) == 2
    assert data["charts"]["lead-times"]["rows"][0][1] > 0


def test_every_demo_person_has_a_few_unread_notifications_at_most(client):
    counts = {}
    for username in sorted(usernames()):
        counts[username] = client.get("/api/v1/notifications/unread",
                                      headers=token(client, username)).get_json()["unread"]
    assert max(counts.values()) <= 10, counts
    assert sum(1 for n in counts.values() if n) >= 4, counts
    read = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_not(None)))
    assert read > sum(counts.values()), "older notifications were read"


def test_the_demo_mails_nobody_and_leaves_nothing_for_webhooks(demo):
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.mail_due_at.is_not(None))) == 0


def test_nothing_old_is_left_for_the_publisher(demo):
    before, _ = demo.loaded_between
    scheduled = list(db.session.scalars(select(Item.scheduled_at).where(Item.state == "scheduled")))
    assert scheduled and min(scheduled) > before
    assert workflow_service.publish_due() == 0


def test_demo_people_get_mail_by_default_from_now_on(client):
    prefs = client.get("/api/v1/notifications/preferences", headers=token(client, "chloe")).get_json()
    by_kind = {k["kind"]: k["email"] for k in prefs["kinds"]}
    assert by_kind["review_requested"] is True


def test_demo_if_empty_adds_nothing(demo):
    tables = (User, Library, Group, Item, Event, Notification)
    counts = [db.session.scalar(select(func.count()).select_from(t)) for t in tables]
    result = demo.test_cli_runner().invoke(args=["relais", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert [db.session.scalar(select(func.count()).select_from(t)) for t in tables] == counts


def test_passwords_chosen_after_the_demo_get_the_configured_hash(demo):
    from workflow.services.accounts import hash_password

    assert demo.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"  # the Testing config's, restored
    assert hash_password("un-autre-mot-de-passe").startswith("pbkdf2:sha256:1000$")
