"""The feeds as real clients read them: the iCalendar feed through two independent
parsers (icalendar, vobject with its validation), the Atom feed through feedparser
and against the RFC 4287 schema (tests/schemas/atom-rfc4287.rng, Appendix B in
RELAX NG XML syntax, with its Schematron rules checked as XPath)."""
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
import vobject
from icalendar import Calendar
from lxml import etree

from workflow.extensions import db

from .. import factories as f

PARIS = ZoneInfo("Europe/Paris")
SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "atom-rfc4287.rng"
NS = {"atom": "http://www.w3.org/2005/Atom", "rng": "http://relaxng.org/ns/structure/1.0",
      "s": "http://www.ascc.net/xml/schematron"}
LONG = "Une présentation des ressources numériques du réseau — livres, films, musique — " * 3


def future(days=10, hour=10):
    day = (datetime.now(PARIS) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def ical_url(api, user):
    return api(user).get("/api/v1/me").get_json()["ical_url"].replace("http://localhost", "")


def approved(world, title, **kw):
    item = f.ItemFactory(group=world.group, author=world.agent, state="approved", title=title, **kw)
    db.session.commit()
    return item


def schedule(api, world, item, when):
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/schedule", json={
        "scheduled_at": when.isoformat(), "channel": world.channel.slug})
    assert response.status_code == 200, response.get_json()


def move(api, world, item, to):
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions", json={"to": to})
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def calendar_body(api, client, world):
    """A calendar with each kind of event: planned (a two-line title, a long accented
    summary), rescheduled, published, and cancelled."""
    planned = approved(world, "Atelier\nnumérique", summary=LONG, resource_url="https://bib.example/a?x=1&y=2")
    moved = approved(world, "Heure du conte")
    published = approved(world, "Concert « jeunes talents »")
    cancelled = approved(world, "Club lecture")
    for n, item in enumerate((planned, moved, published, cancelled)):
        schedule(api, world, item, future(5 + n, 9 + n))
    schedule(api, world, moved, future(12, 16))
    move(api, world, published, "published")
    move(api, world, cancelled, "approved")
    response = client.get(ical_url(api, world.agent))
    assert response.status_code == 200
    expected = {
        planned.id: ("CONFIRMED", 0, "Atelier numérique"),
        moved.id: ("CONFIRMED", 1, "Heure du conte"),
        published.id: ("CONFIRMED", 1, "Concert « jeunes talents »"),
        cancelled.id: ("CANCELLED", 1, "Club lecture"),
    }
    return response.data, {f"relais-item-{i}@localhost": v for i, v in expected.items()}


def test_icalendar_reads_every_event_with_its_status_sequence_and_summary(calendar_body):
    body, expected = calendar_body
    events = Calendar.from_ical(body).walk("VEVENT")
    assert {str(e["uid"]): (str(e["status"]), int(e["sequence"]), str(e["summary"])) for e in events} == expected


def test_vobject_validates_and_reads_the_same_events(calendar_body):
    body, expected = calendar_body
    cal = vobject.readOne(body.decode("utf-8"), validate=True)
    seen = {e.uid.value: (e.status.value, int(e.sequence.value), e.summary.value) for e in cal.vevent_list}
    assert seen == expected
    for event in cal.vevent_list:
        assert event.dtstart.value.utcoffset() == timedelta(0) and event.dtend.value > event.dtstart.value


def test_both_parsers_agree_on_times_and_descriptions(calendar_body):
    body, _ = calendar_body
    by_icalendar = {str(e["uid"]): (e.decoded("dtstart"), str(e["description"]))
                    for e in Calendar.from_ical(body).walk("VEVENT")}
    by_vobject = {e.uid.value: (e.dtstart.value, e.description.value)
                  for e in vobject.readOne(body.decode("utf-8")).vevent_list}
    assert by_icalendar == by_vobject
    assert any(LONG.strip() in description for _, description in by_vobject.values())


def test_every_line_is_folded_to_75_octets_and_no_summary_breaks(calendar_body):
    body, _ = calendar_body
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    unfolded = body.decode().replace("\r\n ", "").split("\r\n")
    summaries = [line for line in unfolded if line.startswith("SUMMARY")]
    assert len(summaries) == 4 and not any("\\n" in s.lower() for s in summaries)


# ---------------------------------------------------------------- Atom

@pytest.fixture
def atom_body(client, world):
    """A channel feed with an entry that has a resource URL and one that has none,
    a two-line title, markup-like text and a control character."""
    for n, (title, url) in enumerate((("Publié\navec lien", "https://bib.example/r/1?a=1&b=2"),
                                      ("Sans <lien> & sans URL\x07", None))):
        f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                      title=title, summary="Résumé « court »\nsur deux lignes", resource_url=url,
                      published_at=datetime(2026, 11, 1 + n, 9, tzinfo=timezone.utc))
    db.session.commit()
    response = client.get(f"/api/v1/feeds/channels/{world.channel.slug}/atom.xml")
    assert response.status_code == 200
    return response.data


def test_feedparser_reads_the_atom_feed_without_complaint(atom_body):
    feed = feedparser.parse(atom_body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and len(feed.entries) == 2
    assert [e.title for e in feed.entries] == ["Sans <lien> & sans URL", "Publié avec lien"]


def test_atom_feed_is_valid_against_the_rfc_4287_schema(atom_body):
    schema_doc = etree.parse(str(SCHEMA))
    schema = etree.RelaxNG(schema_doc)
    doc = etree.fromstring(atom_body)
    assert schema.validate(doc), schema.error_log
    # Appendix B's Schematron rules (an alternate link or content; an author), as XPath.
    for rule in schema_doc.iterfind(".//s:rule", NS):
        nodes = doc.xpath("/" + rule.get("context") if rule.get("context") == "atom:feed"
                          else "//" + rule.get("context"), namespaces=NS)
        assert nodes
        for node in nodes:
            for check in rule.iterfind("s:assert", NS):
                assert node.xpath(f"boolean({check.get('test')})", namespaces=NS), check.text


def test_every_atom_entry_has_an_alternate_link(atom_body):
    doc = etree.fromstring(atom_body)
    entries = doc.findall("atom:entry", NS)
    assert entries and all(e.find("atom:link[@rel='alternate']", NS) is not None for e in entries)
