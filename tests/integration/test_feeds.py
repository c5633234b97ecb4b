"""The iCalendar feeds (per user, per group, at secret-token URLs) round-trip
through the icalendar library; the Atom feed of a channel parses as Atom."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
from icalendar import Calendar

from workflow.extensions import db

from .. import factories as f

PARIS = ZoneInfo("Europe/Paris")


def future(days=10, hour=10):
    day = (datetime.now(PARIS) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def ical_url(api, user):
    return api(user).get("/api/v1/me").get_json()["ical_url"].replace("http://localhost", "")


def events(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def schedule(api, user, item_id, when, channel):
    response = api(user).post(f"/api/v1/items/{item_id}/schedule",
                              json={"scheduled_at": when.isoformat(), "channel": channel})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_ical_feed_round_trips_every_scheduled_items_uid_summary_and_start(api, client, world):
    items = [f.ItemFactory(group=world.group, author=world.agent, state="approved", title=f"Atelier {n}")
             for n in range(3)]
    db.session.commit()
    for n, item in enumerate(items):
        schedule(api, world.coordinator, item.id, future(5 + n, 9 + n), world.channel.slug)
    parsed = events(client, ical_url(api, world.agent))
    assert set(parsed) == {f"relais-item-{i.id}@relais" for i in items}
    for n, item in enumerate(items):
        event = parsed[f"relais-item-{item.id}@relais"]
        assert str(event["summary"]) == f"Atelier {n}"
        assert event.decoded("dtstart") == future(5 + n, 9 + n)


def test_rescheduled_item_keeps_its_uid_and_raises_its_sequence(api, client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved")
    db.session.commit()
    schedule(api, world.coordinator, item.id, future(5), world.channel.slug)
    url = ical_url(api, world.agent)
    before = events(client, url)[f"relais-item-{item.id}@relais"]
    schedule(api, world.coordinator, item.id, future(8, 15), world.channel.slug)
    after = events(client, url)[f"relais-item-{item.id}@relais"]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == future(8, 15)
    assert after.decoded("last-modified") >= before.decoded("last-modified")


def test_ical_feed_holds_only_items_the_owner_can_see(api, client, world):
    f.ItemFactory(group=world.other_group, author=world.other_agent, state="scheduled", channel=world.channel,
                  scheduled_at=future().astimezone(timezone.utc))
    mine = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=future(6).astimezone(timezone.utc))
    db.session.commit()
    assert set(events(client, ical_url(api, world.agent))) == {f"relais-item-{mine.id}@relais"}


def test_group_ical_feed_holds_only_that_groups_items(api, client, world):
    f.ItemFactory(group=world.other_group, author=world.other_agent, state="scheduled", channel=world.channel,
                  scheduled_at=future().astimezone(timezone.utc))
    video = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                          scheduled_at=future(6).astimezone(timezone.utc))
    db.session.commit()
    url = ical_url(api, world.coordinator).replace("/calendar.ics", f"/groups/{world.group.id}/calendar.ics")
    assert set(events(client, url)) == {f"relais-item-{video.id}@relais"}


def test_group_ical_feed_of_an_invisible_group_is_not_found(api, client, world):
    url = ical_url(api, world.agent).replace("/calendar.ics", f"/groups/{world.other_group.id}/calendar.ics")
    assert client.get(url).status_code == 404


def test_regenerating_the_token_revokes_the_old_feed_url(api, client, world):
    old = ical_url(api, world.agent)
    response = api(world.agent).post("/api/v1/me/feed-token", json={})
    new = response.get_json()["ical_url"].replace("http://localhost", "")
    assert response.status_code == 201 and new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_feed_of_a_deactivated_user_is_not_found(api, client, world):
    url = ical_url(api, world.agent)
    world.agent.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_unknown_feed_token_is_not_found(client, world):
    assert client.get("/api/v1/feeds/ical/not-a-token/calendar.ics").status_code == 404


def test_atom_feed_parses_as_atom_with_one_entry_per_published_item(client, world):
    published = [f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                               title=f"Publié {n}", summary=f"Résumé {n}", resource_url=f"https://bib.example/r/{n}",
                               published_at=datetime(2026, 11, 1 + n, 9, tzinfo=timezone.utc))
                 for n in range(3)]
    f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                  scheduled_at=future().astimezone(timezone.utc))
    db.session.commit()
    response = client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 3
    newest = feed.entries[0]
    item = published[-1]
    assert newest.title == item.title and newest.summary == item.summary
    assert newest.link == item.resource_url
    assert newest.published_parsed[:4] == (2026, 11, 3, 9)


def test_atom_feed_of_an_unknown_channel_is_not_found(client, world):
    assert client.get("/api/v1/feeds/channels/nope/atom.xml").status_code == 404


def test_ical_feed_speaks_its_owners_language(api, client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved", title="Atelier")
    db.session.commit()
    schedule(api, world.coordinator, item.id, future(5), world.channel.slug)
    url = ical_url(api, world.agent)
    for locale, calname, prefix in (("fr", "Relais — mes publications", "Programmé"),
                                    ("en", "Relais — my publications", "Scheduled")):
        world.agent.locale = locale
        db.session.commit()
        response = client.get(url, headers={"Accept-Language": "de"})
        cal = Calendar.from_ical(response.data)
        [event] = cal.walk("VEVENT")
        assert str(cal["x-wr-calname"]) == calname
        assert str(event["description"]).startswith(f"{prefix} · {world.group.name}")
