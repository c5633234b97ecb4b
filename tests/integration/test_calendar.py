"""The calendar API: the window of scheduled/published items, remaining
capacity per day and channel, filters, validation, rescheduling through the
same rules, channel rules managed by coordinators, and the page itself."""
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from workflow.extensions import db
from workflow.models import Item

from .. import factories as f

PARIS = ZoneInfo("Europe/Paris")


def future_day(days=10):
    return (datetime.now(PARIS) + timedelta(days=days)).date()


def at(day, hour=10, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def scheduled(world, when, group=None, channel=None, **kw):
    return f.ItemFactory(group=group or world.group, author=world.agent, state="scheduled",
                         scheduled_at=when.astimezone(timezone.utc), channel=channel or world.channel, **kw)


def approved(world, group=None, **kw):
    return f.ItemFactory(group=group or world.group, author=world.agent, state="approved", **kw)


def login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": f.PASSWORD, "csrf_token": token})


def window(api, user, start, end, **params):
    query = "&".join(f"{k}={v}" for k, v in {"from": start, "to": end, **params}.items())
    return api(user).get(f"/api/v1/calendar?{query}")


def test_calendar_lists_items_scheduled_in_the_window_with_group_colour(api, world):
    day = future_day()
    inside = scheduled(world, at(day))
    scheduled(world, at(day + timedelta(days=40)))
    db.session.commit()
    body = window(api, world.coordinator, day, day + timedelta(days=1)).get_json()
    assert [i["id"] for i in body["items"]] == [inside.id]
    assert body["items"][0]["group_color"] == world.group.color and body["time_zone"] == "Europe/Paris"


def test_calendar_lists_published_items_at_their_publication_time(api, world):
    day = future_day(-3)
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         scheduled_at=at(day), published_at=at(day, 10, 1))
    db.session.commit()
    body = window(api, world.agent, day, day + timedelta(days=1)).get_json()
    assert [(i["id"], i["state"]) for i in body["items"]] == [(item.id, "published")]


def test_calendar_gives_each_days_remaining_capacity_per_channel(api, world):
    day = future_day()
    for hour in (9, 11):
        scheduled(world, at(day, hour))
    db.session.commit()
    capacity = window(api, world.coordinator, day, day + timedelta(days=2)).get_json()["capacity"]
    slug = world.channel.slug
    assert capacity[day.isoformat()][slug] == {"daily_capacity": 3, "booked": 2, "remaining": 1, "blackout": None}
    assert capacity[(day + timedelta(days=1)).isoformat()][slug]["remaining"] == 3


def test_calendar_counts_capacity_including_items_the_caller_cannot_see(api, world):
    day = future_day()
    scheduled(world, at(day), group=world.other_group)
    db.session.commit()
    body = window(api, world.agent, day, day + timedelta(days=1)).get_json()
    assert body["items"] == []
    assert body["capacity"][day.isoformat()][world.channel.slug]["remaining"] == 2


def test_calendar_shows_a_blackout_day_with_no_capacity_and_its_reason(api, world):
    day = future_day()
    response = api(world.coordinator).post(f"/api/v1/channels/{world.channel.slug}/blackout-dates",
                                           json={"day": day.isoformat(), "reason": "Fermeture annuelle"})
    assert response.status_code == 201
    slot = window(api, world.agent, day, day + timedelta(days=1)).get_json()["capacity"][day.isoformat()]
    assert slot[world.channel.slug]["remaining"] == 0
    assert slot[world.channel.slug]["blackout"] == {"reason": "Fermeture annuelle"}


def test_calendar_counts_days_in_paris_time_across_the_autumn_clock_change(api, world):
    # 25 October 2026, 00:30 in Paris is still 24 October in UTC (22:30Z, summer time +02:00).
    night = datetime(2026, 10, 25, 0, 30, tzinfo=PARIS)
    scheduled(world, night)
    db.session.commit()
    capacity = window(api, world.coordinator, date(2026, 10, 24), date(2026, 10, 26)).get_json()["capacity"]
    assert capacity["2026-10-25"][world.channel.slug]["booked"] == 1
    assert capacity["2026-10-24"][world.channel.slug]["booked"] == 0


def test_calendar_window_of_the_spring_clock_change_night_ends_at_paris_midnight(api, world):
    # 29 March 2026 has 23 hours in Paris: 23:30 that day (21:30Z) is still on the 29th.
    late = datetime(2026, 3, 29, 23, 30, tzinfo=PARIS)
    item = scheduled(world, late)
    db.session.commit()
    ids = [i["id"] for i in window(api, world.coordinator, date(2026, 3, 29), date(2026, 3, 30)).get_json()["items"]]
    assert ids == [item.id]


def test_calendar_hides_items_of_groups_the_caller_cannot_see(api, world):
    day = future_day()
    scheduled(world, at(day), group=world.other_group)
    mine = scheduled(world, at(day, 11))
    db.session.commit()
    ids = [i["id"] for i in window(api, world.agent, day, day + timedelta(days=1)).get_json()["items"]]
    assert ids == [mine.id]


def test_calendar_filters_by_group_channel_and_type(api, world):
    day = future_day()
    newsletter = f.ChannelFactory(slug="newsletter", name="Newsletter")
    video = scheduled(world, at(day, 9))
    scheduled(world, at(day, 10), channel=newsletter)
    scheduled(world, at(day, 11), group=world.other_group)
    ebook = scheduled(world, at(day, 12), resource_type="ebook")
    db.session.commit()
    ids = lambda **p: [i["id"] for i in window(api, world.coordinator, day, day + timedelta(days=1), **p)  # noqa: E731
                       .get_json()["items"]]
    assert ids(group=world.group.id, channel=world.channel.slug) == [video.id, ebook.id]
    assert ids(type="ebook") == [ebook.id]


def test_calendar_refuses_a_group_the_caller_cannot_see(api, world):
    day = future_day()
    assert window(api, world.agent, day, day + timedelta(days=1), group=world.other_group.id).status_code == 404


def test_calendar_refuses_bad_dates_with_422(api, world):
    response = api(world.agent).get("/api/v1/calendar?from=2026-13-01&to=2026-12-01")
    assert response.status_code == 422 and "from" in response.get_json()["errors"]


def test_calendar_refuses_a_missing_window_with_422(api, world):
    assert api(world.agent).get("/api/v1/calendar").status_code == 422


def test_calendar_refuses_a_window_longer_than_366_days(api, world):
    response = window(api, world.agent, date(2026, 1, 1), date(2027, 6, 1))
    assert response.status_code == 422 and "366" in response.get_json()["detail"]


def test_calendar_refuses_to_before_from(api, world):
    assert window(api, world.agent, date(2026, 5, 2), date(2026, 5, 1)).status_code == 422


def test_calendar_needs_authentication(api, world):
    assert window(api, None, date(2026, 5, 1), date(2026, 5, 2)).status_code == 401


def test_unscheduled_lists_approved_items_without_a_date(api, world):
    waiting = approved(world)
    f.ItemFactory(group=world.group, author=world.agent, state="in_review")
    scheduled(world, at(future_day()))
    db.session.commit()
    body = api(world.coordinator).get("/api/v1/calendar/unscheduled").get_json()
    assert [i["id"] for i in body] == [waiting.id] and body[0]["group_name"] == "Vidéo"


def test_rescheduling_raises_the_schedule_sequence(api, world):
    item = scheduled(world, at(future_day()))
    db.session.commit()
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(future_day(12)).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Item, item.id).schedule_sequence == 1


def test_first_scheduling_leaves_the_sequence_at_zero(api, world):
    item = approved(world)
    db.session.commit()
    api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(future_day()).isoformat(), "channel": world.channel.slug})
    db.session.expire_all()
    assert db.session.get(Item, item.id).schedule_sequence == 0


def test_rescheduling_onto_a_full_day_is_refused_with_the_next_free_slot(api, world):
    day = future_day()
    for hour in (9, 10, 11):
        scheduled(world, at(day, hour))
    item = scheduled(world, at(day + timedelta(days=2)))
    db.session.commit()
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(day, 15).isoformat(), "channel": world.channel.slug})
    body = response.get_json()
    assert response.status_code == 422 and body["rule"] == "capacity"
    assert body["next_free_slot"].startswith((day + timedelta(days=1)).isoformat())


def test_scheduling_books_whole_minutes_without_seconds(api, world):
    item = approved(world)
    db.session.commit()
    when = at(future_day(), 9, 54) + timedelta(seconds=41, microseconds=466000)
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200
    db.session.expire_all()
    booked = db.session.get(Item, item.id).scheduled_at
    assert (booked.minute, booked.second, booked.microsecond) == (54, 0, 0)


def test_a_past_time_is_refused_with_a_free_slot_on_the_quarter_hour(api, world):
    item = approved(world)
    db.session.commit()
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": (datetime.now(PARIS) - timedelta(days=1)).isoformat(), "channel": world.channel.slug})
    slot = datetime.fromisoformat(response.get_json()["next_free_slot"])
    assert response.status_code == 422 and slot.minute % 15 == 0 and (slot.second, slot.microsecond) == (0, 0)


def test_calendar_names_the_public_holidays_of_the_window(api, world):
    year = future_day(40).year + 1
    body = window(api, world.coordinator, date(year, 12, 20), date(year, 12, 31)).get_json()
    assert body["holidays"] == {f"{year}-12-25": "Noël"}


def test_lead_reschedules_an_item_of_their_group(api, world):
    item = scheduled(world, at(future_day()))
    db.session.commit()
    response = api(world.lead).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(future_day(11)).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200


def test_lead_of_another_group_cannot_reschedule(api, world):
    item = scheduled(world, at(future_day()))
    db.session.commit()
    response = api(world.other_lead).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(future_day(11)).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 404


def test_agent_cannot_reschedule(api, world):
    item = scheduled(world, at(future_day()))
    db.session.commit()
    response = api(world.agent).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(future_day(11)).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 403


def test_scheduling_on_a_blackout_date_set_by_a_coordinator_is_refused(api, world):
    day = future_day()
    api(world.coordinator).post(f"/api/v1/channels/{world.channel.slug}/blackout-dates", json={"day": day.isoformat()})
    item = approved(world)
    db.session.commit()
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": at(day).isoformat(), "channel": world.channel.slug})
    assert response.status_code == 422 and response.get_json()["rule"] == "blackout"


def test_coordinator_removes_a_blackout_date(api, world):
    day = future_day()
    api(world.coordinator).post(f"/api/v1/channels/{world.channel.slug}/blackout-dates", json={"day": day.isoformat()})
    response = api(world.coordinator).delete(f"/api/v1/channels/{world.channel.slug}/blackout-dates/{day.isoformat()}")
    assert response.status_code == 200 and response.get_json()["blackout_dates"] == []


def test_coordinator_sets_a_channels_daily_capacity(api, world):
    response = api(world.coordinator).patch(f"/api/v1/channels/{world.channel.slug}", json={"daily_capacity": 5})
    assert response.status_code == 200 and response.get_json()["daily_capacity"] == 5


def test_agent_cannot_change_channel_rules(api, world):
    assert api(world.lead).patch(f"/api/v1/channels/{world.channel.slug}", json={"daily_capacity": 5}).status_code == 403
    assert api(world.agent).post(f"/api/v1/channels/{world.channel.slug}/blackout-dates",
                                 json={"day": "2026-12-25"}).status_code == 403


def test_channels_list_capacity_blackout_dates_and_atom_url(api, world):
    api(world.coordinator).post(f"/api/v1/channels/{world.channel.slug}/blackout-dates", json={"day": "2026-12-25"})
    (channel,) = api(world.agent).get("/api/v1/channels").get_json()
    assert channel["daily_capacity"] == 3 and channel["blackout_dates"] == ["2026-12-25"]
    assert channel["atom_url"].endswith(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml")


def test_me_gives_the_users_ical_url(api, world):
    me = api(world.agent).get("/api/v1/me").get_json()
    assert re.search(r"/api/v1/feeds/ical/[\w-]{20,}/calendar\.ics$", me["ical_url"])


def test_calendar_page_lets_fullcalendar_style_itself_with_the_responses_nonce(client, world):
    login(client, "david")
    response = client.get("/calendar")
    assert response.status_code == 200
    nonce = re.search(r'<meta name="csp-nonce" content="([^"]+)">', response.get_data(as_text=True)).group(1)
    assert f"style-src 'self' 'nonce-{nonce}'" in response.headers["Content-Security-Policy"]


def test_each_response_gets_a_different_nonce(client, world):
    login(client, "david")
    policies = {client.get("/calendar").headers["Content-Security-Policy"] for _ in range(2)}
    assert len(policies) == 2
