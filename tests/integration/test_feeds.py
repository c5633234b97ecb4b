"""The iCalendar feeds (per user, per group, at secret-token URLs) round-trip
through the icalendar library; the Atom feed of a channel parses as Atom."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import feedparser
from icalendar import Calendar
from sqlalchemy import update

from workflow.extensions import db
from workflow.models import Event, Item
from workflow.services.workflow import expire_licences

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
    assert set(parsed) == {f"relais-item-{i.id}@localhost" for i in items}
    for n, item in enumerate(items):
        event = parsed[f"relais-item-{item.id}@localhost"]
        assert str(event["summary"]) == f"Atelier {n}"
        assert event.decoded("dtstart") == future(5 + n, 9 + n)


def test_rescheduled_item_keeps_its_uid_and_raises_its_sequence(api, client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved")
    db.session.commit()
    schedule(api, world.coordinator, item.id, future(5), world.channel.slug)
    url = ical_url(api, world.agent)
    before = events(client, url)[f"relais-item-{item.id}@localhost"]
    schedule(api, world.coordinator, item.id, future(8, 15), world.channel.slug)
    after = events(client, url)[f"relais-item-{item.id}@localhost"]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == future(8, 15)
    assert after.decoded("last-modified") >= before.decoded("last-modified")


def test_ical_feed_holds_only_items_the_owner_can_see(api, client, world):
    f.ItemFactory(group=world.other_group, author=world.other_agent, state="scheduled", channel=world.channel,
                  scheduled_at=future().astimezone(timezone.utc))
    mine = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=future(6).astimezone(timezone.utc))
    db.session.commit()
    assert set(events(client, ical_url(api, world.agent))) == {f"relais-item-{mine.id}@localhost"}


def test_group_ical_feed_holds_only_that_groups_items(api, client, world):
    f.ItemFactory(group=world.other_group, author=world.other_agent, state="scheduled", channel=world.channel,
                  scheduled_at=future().astimezone(timezone.utc))
    video = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                          scheduled_at=future(6).astimezone(timezone.utc))
    db.session.commit()
    url = ical_url(api, world.coordinator).replace("/calendar.ics", f"/groups/{world.group.id}/calendar.ics")
    assert set(events(client, url)) == {f"relais-item-{video.id}@localhost"}


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


# ---------------------------------------------------------------- what calendar clients need (issue 14)

def uid(item, domain="localhost"):
    return f"relais-item-{item.id}@{domain}"


def unschedule(api, user, item_id):
    response = api(user).post(f"/api/v1/items/{item_id}/transitions", json={"to": "approved"})
    assert response.status_code == 200, response.get_json()


def scheduled_through_the_api(api, world, days=5, hour=10):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved", title="Heure du conte")
    db.session.commit()
    schedule(api, world.coordinator, item.id, future(days, hour), world.channel.slug)
    return item


def age_log(item, days):
    """As if the item's history (its events, its last change) had happened ``days`` ago."""
    then = datetime.now(timezone.utc) - timedelta(days=days)
    db.session.execute(update(Event).where(Event.item_id == item.id).values(created_at=then))
    db.session.execute(update(Item).where(Item.id == item.id).values(updated_at=then))
    db.session.commit()


def test_unscheduling_then_rescheduling_raises_the_sequence_each_time(api, client, world):
    item = scheduled_through_the_api(api, world)
    url = ical_url(api, world.agent)
    first = events(client, url)[uid(item)]
    unschedule(api, world.coordinator, item.id)
    cancelled = events(client, url)[uid(item)]
    schedule(api, world.coordinator, item.id, future(9, 14), world.channel.slug)
    again = events(client, url)[uid(item)]
    assert int(first["sequence"]) < int(cancelled["sequence"]) < int(again["sequence"])
    assert str(again["status"]) == "CONFIRMED" and again.decoded("dtstart") == future(9, 14)


def test_unscheduled_item_appears_cancelled_at_its_old_time_with_a_higher_sequence(api, client, world):
    item = scheduled_through_the_api(api, world, days=6, hour=11)
    url = ical_url(api, world.agent)
    before = events(client, url)[uid(item)]
    unschedule(api, world.coordinator, item.id)
    after = events(client, url)[uid(item)]
    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("dtstart") == future(6, 11)


def test_cancelled_item_stays_in_the_feed_for_thirty_days(api, client, world):
    item = scheduled_through_the_api(api, world)
    unschedule(api, world.coordinator, item.id)
    age_log(item, 29)
    assert str(events(client, ical_url(api, world.agent))[uid(item)]["status"]) == "CANCELLED"


def test_cancelled_item_leaves_the_feed_after_thirty_days(api, client, world):
    item = scheduled_through_the_api(api, world)
    unschedule(api, world.coordinator, item.id)
    age_log(item, 31)
    assert uid(item) not in events(client, ical_url(api, world.agent))


def send_back_by_an_edit(api, world, item):
    version = api(world.agent).get(f"/api/v1/items/{item.id}").get_json()["version"]
    response = api(world.agent).patch(f"/api/v1/items/{item.id}", json={"title": "Heure du conte (bis)",
                                                                       "version": version})
    assert response.status_code == 200 and response.get_json()["state"] == "in_review"


def review(api, world, item, decision, comment=""):
    response = api(world.lead).post(f"/api/v1/items/{item.id}/reviews",
                                    json={"decision": decision, "comment": comment})
    assert response.status_code in (200, 201), response.get_json()


def test_scheduled_item_sent_back_to_review_shows_tentative_on_its_held_slot(api, client, world):
    item = scheduled_through_the_api(api, world, days=7, hour=15)
    send_back_by_an_edit(api, world, item)
    event = events(client, ical_url(api, world.agent))[uid(item)]
    assert str(event["status"]) == "TENTATIVE" and int(event["sequence"]) == 1
    assert event.decoded("dtstart") == future(7, 15)


def test_held_slot_item_approved_again_is_confirmed_with_a_higher_sequence(api, client, world):
    item = scheduled_through_the_api(api, world, days=7, hour=15)
    send_back_by_an_edit(api, world, item)
    review(api, world, item, "approve")
    event = events(client, ical_url(api, world.agent))[uid(item)]
    assert str(event["status"]) == "CONFIRMED" and int(event["sequence"]) == 2
    assert event.decoded("dtstart") == future(7, 15)


def test_held_slot_item_rejected_appears_cancelled(api, client, world):
    item = scheduled_through_the_api(api, world)
    send_back_by_an_edit(api, world, item)
    review(api, world, item, "reject", "Hors sujet")
    event = events(client, ical_url(api, world.agent))[uid(item)]
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2


def test_trashed_scheduled_item_appears_cancelled_and_returns_when_restored(api, client, world):
    item = scheduled_through_the_api(api, world)
    url = ical_url(api, world.agent)
    assert api(world.coordinator).delete(f"/api/v1/items/{item.id}").status_code == 200
    trashed = events(client, url)[uid(item)]
    assert api(world.coordinator).post(f"/api/v1/items/{item.id}/restore").status_code == 200
    restored = events(client, url)[uid(item)]
    assert str(trashed["status"]) == "CANCELLED" and str(restored["status"]) == "CONFIRMED"
    assert int(restored["sequence"]) > int(trashed["sequence"])


def test_scheduled_item_withdrawn_at_the_end_of_its_licence_appears_cancelled(api, client, world):
    item = scheduled_through_the_api(api, world)
    db.session.get(Item, item.id).licence_end = date.today() - timedelta(days=2)
    db.session.commit()
    assert expire_licences() == 1
    assert str(events(client, ical_url(api, world.agent))[uid(item)]["status"]) == "CANCELLED"


def test_publication_raises_the_sequence_and_stays_confirmed(api, client, world):
    item = scheduled_through_the_api(api, world)
    url = ical_url(api, world.agent)
    before = events(client, url)[uid(item)]
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions", json={"to": "published"})
    assert response.status_code == 200, response.get_json()
    after = events(client, url)[uid(item)]
    assert str(after["status"]) == "CONFIRMED" and int(after["sequence"]) > int(before["sequence"])


def test_archived_publication_leaves_the_feed_without_being_cancelled(api, client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         published_at=datetime.now(timezone.utc) - timedelta(days=3))
    db.session.commit()
    url = ical_url(api, world.agent)
    assert uid(item) in events(client, url)
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions", json={"to": "archived"})
    assert response.status_code == 200, response.get_json()
    assert uid(item) not in events(client, url)


def test_cancelled_items_are_only_in_the_feeds_of_those_who_see_their_group(api, client, world):
    item = scheduled_through_the_api(api, world)
    unschedule(api, world.coordinator, item.id)
    assert uid(item) not in events(client, ical_url(api, world.other_agent))


def unfolded(body):
    return body.decode().replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def test_a_title_with_line_breaks_gives_a_one_line_summary(api, client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         title="Atelier\nnumérique\r\n  du samedi", scheduled_at=future().astimezone(timezone.utc))
    db.session.commit()
    body = client.get(ical_url(api, world.agent)).data
    [summary] = [line for line in unfolded(body) if line.startswith("SUMMARY")]
    assert summary == "SUMMARY:Atelier numérique du samedi"
    assert str(Calendar.from_ical(body).walk("VEVENT")[0]["summary"]) == "Atelier numérique du samedi"
    assert item.id


def test_uids_and_tag_uris_come_from_the_public_url_host(api, client, app, world):
    app.config.update(PUBLIC_URL="https://relais.bib-reseau.example", FEED_UID_DOMAIN=None)
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         published_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.commit()
    assert set(events(client, ical_url(api, world.agent))) == {uid(item, "relais.bib-reseau.example")}
    feed = feedparser.parse(client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml").data)
    assert feed.feed.id == f"tag:relais.bib-reseau.example,2024:channel:{world.channel.slug}"
    assert feed.entries[0].id == f"tag:relais.bib-reseau.example,2024:item:{item.id}"


def test_feed_uid_domain_and_tag_date_override_the_ids(api, client, app, world):
    app.config.update(FEED_UID_DOMAIN="mediatheques.example", FEED_TAG_DATE="2025-03-01")
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         published_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.commit()
    assert set(events(client, ical_url(api, world.agent))) == {uid(item, "mediatheques.example")}
    feed = feedparser.parse(client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml").data)
    assert feed.entries[0].id == f"tag:mediatheques.example,2025-03-01:item:{item.id}"


def test_atom_entry_without_a_resource_url_links_to_its_relais_page(client, world):
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         resource_url=None, published_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.commit()
    feed = feedparser.parse(client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml").data)
    [entry] = feed.entries
    [alternate] = [link for link in entry.links if link.rel == "alternate"]
    assert alternate.href == f"http://localhost/calendar?item={item.id}"


# ---------------------------------------------------------------- conditional GET

def atom_path(world):
    return f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml"


def published_item(world, **kw):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    item = f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                         published_at=yesterday, updated_at=yesterday, **kw)
    db.session.commit()
    return item


def test_a_feed_changed_moments_ago_has_an_etag_but_no_last_modified(api, client, world):
    scheduled_through_the_api(api, world)
    response = client.get(ical_url(api, world.agent))
    assert response.headers["ETag"] and "Last-Modified" not in response.headers
    assert client.get(ical_url(api, world.agent),
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_atom_feed_answers_a_matching_if_none_match_with_304(client, world):
    published_item(world)
    first = client.get(atom_path(world))
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(atom_path(world), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_atom_feed_answers_if_modified_since_its_last_change_with_304(client, world):
    published_item(world)
    first = client.get(atom_path(world))
    again = client.get(atom_path(world), headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 304


def test_changed_atom_feed_answers_200_with_a_new_etag(api, client, world):
    published_item(world)
    first = client.get(atom_path(world))
    item = scheduled_through_the_api(api, world)
    assert api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions",
                                       json={"to": "published"}).status_code == 200
    headers = {"If-None-Match": first.headers["ETag"], "If-Modified-Since": first.headers["Last-Modified"]}
    changed = client.get(atom_path(world), headers=headers)
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert len(feedparser.parse(changed.data).entries) == 2


def test_archiving_a_publication_changes_the_atom_feeds_validators(api, client, world):
    item = published_item(world)
    first = client.get(atom_path(world))
    assert api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions",
                                       json={"to": "archived"}).status_code == 200
    after = client.get(atom_path(world), headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status_code == 200 and feedparser.parse(after.data).entries == []


def test_ical_feed_answers_if_none_match_and_if_modified_since_with_304(api, client, world):
    age_log(scheduled_through_the_api(api, world), 1)
    url = ical_url(api, world.agent)
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304


def test_unscheduling_changes_the_ical_feeds_validators(api, client, world):
    item = scheduled_through_the_api(api, world)
    age_log(item, 1)
    url = ical_url(api, world.agent)
    first = client.get(url)
    unschedule(api, world.coordinator, item.id)
    for headers in ({"If-None-Match": first.headers["ETag"]}, {"If-Modified-Since": first.headers["Last-Modified"]}):
        changed = client.get(url, headers=headers)
        assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_a_cancellation_ageing_out_changes_the_ical_feeds_last_modified(api, client, world):
    item = scheduled_through_the_api(api, world)
    unschedule(api, world.coordinator, item.id)
    url = ical_url(api, world.agent)
    age_log(item, 29)
    first = client.get(url)
    age_log(item, 31)
    after = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status_code == 200 and uid(item) not in {str(e["uid"]) for e in
                                                          Calendar.from_ical(after.data).walk("VEVENT")}
