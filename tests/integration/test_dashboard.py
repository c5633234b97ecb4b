"""The coordinators' dashboard: every figure checked against a small network whose
numbers were worked out by hand (below), who may see it, its CSV/API exports, and
a query count that does not grow with the number of items."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from tests import factories as f
from tests.integration.test_queries import count_queries
from workflow.domain.errors import Forbidden
from workflow.extensions import db
from workflow.models import Event, Item
from workflow.services import dashboard as service

DAY = 86400.0
# Wednesday 18 March 2026, 13:00 in Paris (UTC+1 until the 29th).
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=timezone.utc)


def at(month, day, hour=10, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


def item(world, group, state, **fields):
    fields.setdefault("created_at", at(1, 2))
    return f.ItemFactory(group=group, author=world.agent if group == world.group else world.other_agent,
                         state=state, **fields)


def event(item_, type_, when, moved=None):
    payload = {"from": moved[0], "to": moved[1]} if moved else {}
    db.session.add(Event(type=type_, group_id=item_.group_id, item_id=item_.id, payload=payload, created_at=when))


@pytest.fixture
def network(world):
    """Vidéo (G, review limit 3 working days) and Jeunesse (H, limit 1):

    G: 3 proposed (+1 in the trash, not counted), in_review I1 (submitted Fri 13 Mar) and
       I2 (Thu 12 Mar), approved X, scheduled S1 (20 Mar) and S2 (2 Apr), published P1–P4,
       rejected Z. H: 1 proposed, in_review I3 (Mon 16 Mar), published P5 and P6, rejected Y.
    Publications (created → published, channel, type, Paris week of the 12 from 29 Dec):
       P1 1 Mar → 3 Mar (2 d, A, video, week 9); P2 1 Mar → 5 Mar (4 d, A, article, week 9);
       P3 19 Feb 23:30 → 15 Mar 23:30 UTC = Monday 16 Mar 00:30 in Paris (24 d, B, video, week 11);
       P4 1 Jan → Sunday 11 Jan (10 d, A, video, week 1); P5 10 → 11 Mar (1 d, B, kids, week 10);
       P6 published 1 Dec 2025: before the 12 weeks, in no figure but the state counts.
    Reviews (events): X in review 2 Mar 09:00 → changes requested 4 Mar 09:00 (2 d; a reorder
       inside the column on 3 Mar is not a decision), again 5 Mar 09:00 → approved 6 Mar 23:30
       UTC = 7 Mar in Paris (1 d 14.5 h); Y 9 Mar 12:00 → rejected 12 Mar 12:00 (3 d);
       Z in review 1 → 5 Dec 2025 (before the window)."""
    G, H = world.group, world.other_group
    G.review_limit_days, H.review_limit_days = 3, 1
    A = world.channel
    B = f.ChannelFactory(slug="newsletter", name="Newsletter")
    for _ in range(3):
        item(world, G, "proposed")
    item(world, G, "proposed", deleted=True)
    item(world, G, "in_review", submitted_at=at(3, 13))
    item(world, G, "in_review", submitted_at=at(3, 12))
    x = item(world, G, "approved", created_at=at(3, 1, 8))
    item(world, G, "scheduled", channel=A, scheduled_at=at(3, 20))
    item(world, G, "scheduled", channel=A, scheduled_at=at(4, 2, 13))
    item(world, G, "published", channel=A, resource_type="video", created_at=at(3, 1), published_at=at(3, 3))
    item(world, G, "published", channel=A, resource_type="article", created_at=at(3, 1), published_at=at(3, 5))
    item(world, G, "published", channel=B, resource_type="video", created_at=at(2, 19, 23, 30),
         published_at=at(3, 15, 23, 30))
    item(world, G, "published", channel=A, resource_type="video", created_at=at(1, 1), published_at=at(1, 11))
    z = item(world, G, "rejected", created_at=at(11, 30, year=2025))
    item(world, H, "proposed")
    item(world, H, "in_review", submitted_at=at(3, 16))
    item(world, H, "published", channel=B, resource_type="kids", created_at=at(3, 10), published_at=at(3, 11))
    item(world, H, "published", channel=B, resource_type="kids", created_at=at(11, 1, year=2025),
         published_at=at(12, 1, year=2025))
    y = item(world, H, "rejected")
    event(x, "item.created", at(3, 1, 8))
    event(x, "item.moved", at(3, 2, 9), ("proposed", "in_review"))
    event(x, "item.moved", at(3, 3, 9), ("in_review", "in_review"))
    event(x, "item.reviewed", at(3, 4, 9), ("in_review", "proposed"))
    event(x, "item.transitioned", at(3, 5, 9), ("proposed", "in_review"))
    event(x, "item.reviewed", at(3, 6, 23, 30), ("in_review", "approved"))
    event(y, "item.moved", at(3, 9, 12), ("proposed", "in_review"))
    event(y, "item.reviewed", at(3, 12, 12), ("in_review", "rejected"))
    event(z, "item.created", at(11, 30, year=2025))
    event(z, "item.moved", at(12, 1, year=2025), ("proposed", "in_review"))
    event(z, "item.reviewed", at(12, 5, year=2025), ("in_review", "rejected"))
    db.session.commit()
    return {"G": G.id, "H": H.id, "A": A.id, "B": B.id}


def test_items_per_state_per_group_leave_out_the_trash(world, network):
    data = service.dashboard(world.coordinator, now=NOW)
    assert data["states"][network["G"]] == {"proposed": 3, "in_review": 2, "approved": 1, "scheduled": 2,
                                            "published": 4, "rejected": 1, "archived": 0}
    assert data["states"][network["H"]] == {"proposed": 1, "in_review": 1, "approved": 0, "scheduled": 0,
                                            "published": 2, "rejected": 1, "archived": 0}


def test_publications_per_paris_week_by_channel(world, network):
    weekly = service.dashboard(world.coordinator, now=NOW)["weekly"]
    assert weekly["weeks"][0] == date(2025, 12, 29) and weekly["weeks"][-1] == date(2026, 3, 16)
    expected_a = [0] * 12
    expected_a[1], expected_a[9] = 1, 2
    expected_b = [0] * 12
    expected_b[10], expected_b[11] = 1, 1
    assert weekly["by_channel"] == {network["A"]: expected_a, network["B"]: expected_b}


def test_publications_per_paris_week_by_type(world, network):
    by_type = service.dashboard(world.coordinator, now=NOW)["weekly"]["by_type"]
    assert by_type["video"] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    assert by_type["article"] == [0] * 9 + [1, 0, 0]
    assert by_type["kids"] == [0] * 10 + [1, 0]
    assert set(by_type) == {"video", "article", "kids"}


def test_lead_time_median_and_90th_percentile(world, network):
    lead = service.dashboard(world.coordinator, now=NOW)["lead_times"]
    # all: 1, 2, 4, 10, 24 days → ranks ceil(2.5)=3 and ceil(4.5)=5
    assert lead[None] == {"count": 5, "p50": pytest.approx(4 * DAY), "p90": pytest.approx(24 * DAY)}
    # Vidéo: 2, 4, 10, 24 → ranks 2 and ceil(3.6)=4
    assert lead[network["G"]] == {"count": 4, "p50": pytest.approx(4 * DAY), "p90": pytest.approx(24 * DAY)}
    assert lead[network["H"]] == {"count": 1, "p50": pytest.approx(1 * DAY), "p90": pytest.approx(1 * DAY)}


def test_time_waiting_in_review_from_the_event_log(world, network):
    waits = service.dashboard(world.coordinator, now=NOW)["review_waits"]
    one_and_a_half = DAY + 14.5 * 3600
    # all: 1 d 14.5 h, 2 d, 3 d (Z's review ended before the window)
    assert waits[None] == {"count": 3, "p50": pytest.approx(2 * DAY), "p90": pytest.approx(3 * DAY)}
    assert waits[network["G"]] == {"count": 2, "p50": pytest.approx(one_and_a_half), "p90": pytest.approx(2 * DAY)}
    assert waits[network["H"]] == {"count": 1, "p50": pytest.approx(3 * DAY), "p90": pytest.approx(3 * DAY)}


def test_cumulative_flow_undoes_the_days_events_from_todays_counts(world, network):
    flow = service.dashboard(world.coordinator, now=NOW)["flow"]
    days = flow["days"]
    assert len(days) == 28 and days[-1] == date(2026, 3, 18) and days[0] == date(2026, 2, 19)
    g = flow["groups"][network["G"]]

    def on(day):
        index = days.index(date(2026, 3, day)) if day > 0 else days.index(date(2026, 2, 28))
        return tuple(g[s][index] for s in ("proposed", "in_review", "approved", "rejected"))

    # Today (trash included): 4 proposed, 2 in review, 1 approved, 1 rejected. Going back
    # in time, X's approval (7 Mar in Paris), its moves of the 5th, 4th, 2nd and its
    # creation on the 1st are undone; the reorder of the 3rd changes nothing.
    assert on(18) == on(7) == (4, 2, 1, 1)
    assert on(6) == on(5) == (4, 3, 0, 1)
    assert on(4) == (5, 2, 0, 1)
    assert on(3) == on(2) == (4, 3, 0, 1)
    assert on(1) == (5, 2, 0, 1)
    assert on(0) == (4, 2, 0, 1)
    assert g["published"] == [4] * 28


def test_overdue_reviews_count_working_days_against_each_groups_limit(world, network):
    data = service.dashboard(world.coordinator, now=NOW)
    # I1 (Fri 13, 3 working days, limit 3) is not late; I2 (Thu 12: 4 > 3) and I3 (Mon 16: 2 > 1) are.
    assert data["overdue_total"] == 2
    assert [(r["group_id"], r["waited_working_days"]) for r in data["overdue"]] == [
        (network["G"], 4), (network["H"], 2)]


def test_next_fourteen_days_of_the_calendar(world, network):
    upcoming = service.dashboard(world.coordinator, now=NOW)["upcoming"]
    assert [(r["scheduled_at"], r["channel"]) for r in upcoming] == [(at(3, 20), "Bibliothèque en ligne")]


def test_a_lead_sees_only_the_groups_they_lead(world, network):
    data = service.dashboard(world.lead, now=NOW)
    assert [g["id"] for g in data["groups"]] == [network["G"]]
    assert network["H"] not in data["states"]
    assert data["lead_times"][None]["count"] == 4


def test_an_agent_may_not_see_the_dashboard(world, api, client):
    with pytest.raises(Forbidden):
        service.dashboard(world.agent)
    assert api(world.agent).get("/api/v1/dashboard").status_code == 403


def test_the_api_gives_every_chart_as_columns_and_rows(api, world, network):
    body = api(world.coordinator).get("/api/v1/dashboard").get_json()
    assert set(body["charts"]) == set(service.CHARTS)
    states = body["charts"]["states"]
    assert states["columns"][0] == "Groupe" and states["columns"][-1] == "Total"
    assert ["Jeunesse", 1, 1, 0, 0, 2, 1, 0, 5] in states["rows"]
    assert ["Vidéo", 3, 2, 1, 2, 4, 1, 0, 13] in states["rows"]


def _login(client, username):
    from tests.integration.test_query_counts import _login as login

    login(client, username)


def test_the_page_shows_each_chart_with_its_table(client, world, network):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    f.ItemFactory(group=world.group, author=world.agent, state="published", channel=world.channel,
                  created_at=yesterday - timedelta(days=2), published_at=yesterday)
    _login(client, "david")
    page = client.get("/dashboard").get_data(as_text=True)
    for chart in service.CHARTS:
        assert f'href="/dashboard/{chart}.csv"' in page
    for canvas in ("chart-states", "chart-by-channel", "chart-by-type"):
        assert f'id="{canvas}"' in page
    assert 'id="table-states"' in page and "vendor/chart.js/chart.umd.min.js" in page


def test_a_quarter_without_publications_says_so_instead_of_empty_charts(client, world):
    _login(client, "david")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="chart-by-channel"' not in page and 'class="empty"' in page


def test_the_csv_export_holds_the_same_rows(client, world, network):
    _login(client, "david")
    response = client.get("/dashboard/states.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Groupe"
    assert ["Vidéo", "3", "2", "1", "2", "4", "1", "0", "13"] in rows
    assert client.get("/dashboard/nothing.csv").status_code == 404


def test_the_csv_export_defuses_spreadsheet_formulas(client, world, network, api):
    f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                  title="=HYPERLINK(\"http://evil\")", scheduled_at=datetime.now(timezone.utc) + timedelta(days=2))
    _login(client, "david")
    text = client.get("/dashboard/upcoming.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_an_agent_gets_a_403_page(client, world):
    _login(client, "alice")
    response = client.get("/dashboard")
    assert response.status_code == 403
    assert "text/html" in response.content_type


# ---------------------------------------------------------------- query count

def _bulk(world, count, start):
    """``count`` items spread over both groups, states and the last 12 weeks, each with
    a creation event and, for those past "proposed", a move into review and out of it."""
    states = ("proposed", "in_review", "approved", "scheduled", "published", "rejected")
    now = datetime.now(timezone.utc)
    rows, events = [], []
    for n in range(start, start + count):
        group = world.group if n % 2 else world.other_group
        created = now - timedelta(days=n % 80, hours=n % 24)
        state = states[n % len(states)]
        rows.append({"id": n, "group_id": group.id, "author_id": world.agent.id, "title": f"Ressource {n}",
                     "resource_type": "video" if n % 3 else "article", "state": state, "rank": f"V{n:08d}",
                     "created_at": created, "updated_at": created, "version": 1, "deleted": False,
                     "channel_id": world.channel.id if state in ("scheduled", "published") else None,
                     "scheduled_at": now + timedelta(days=n % 20) if state == "scheduled" else None,
                     "published_at": created + timedelta(days=3) if state == "published" else None,
                     "submitted_at": created + timedelta(days=1) if state == "in_review" else None})
        events.append({"type": "item.created", "group_id": group.id, "item_id": n, "payload": {},
                       "created_at": created})
        if state != "proposed":
            events.append({"type": "item.moved", "group_id": group.id, "item_id": n,
                           "payload": {"from": "proposed", "to": "in_review"}, "created_at": created + timedelta(days=1)})
        if state not in ("proposed", "in_review"):
            events.append({"type": "item.reviewed", "group_id": group.id, "item_id": n,
                           "payload": {"from": "in_review", "to": "approved"},
                           "created_at": created + timedelta(days=2)})
    db.session.execute(insert(Item), rows)
    db.session.execute(insert(Event), events)
    db.session.commit()


def _dashboard_queries(api, world):
    db.session.expire_all()
    with count_queries() as statements:
        response = api(world.coordinator).get("/api/v1/dashboard")
    assert response.status_code == 200
    return len(statements), response.get_json()


def test_the_dashboard_of_10000_items_costs_the_same_queries_as_10(api, world):
    _bulk(world, 10, 1)
    small, body = _dashboard_queries(api, world)
    assert sum(row[-1] for row in body["charts"]["states"]["rows"]) == 10
    _bulk(world, 9_990, 11)
    large, body = _dashboard_queries(api, world)
    assert sum(row[-1] for row in body["charts"]["states"]["rows"]) == 10_000
    assert large == small
    assert small <= 16


# ---------------------------------------------------------------- time buckets

@pytest.mark.parametrize("count", [1, 2, 5, 12, 28])
def test_a_bucket_is_the_interval_holding_the_time(app, count):
    """The nested CASEs give, for any time, the index of the interval [b[i], b[i+1])
    holding it: -1 before the first boundary, count-1 from the last one on (and for
    NULL), as a scan of the boundaries in order would."""
    from sqlalchemy import DateTime, literal, select

    boundaries = [NOW + timedelta(days=n) for n in range(count)]
    times = [NOW - timedelta(days=1), *boundaries, *(b + timedelta(hours=1) for b in boundaries), None]
    for when in times:
        expected = count - 1 if when is None else sum(1 for b in boundaries if b <= when) - 1
        column = literal(when, DateTime(timezone=True))
        assert db.session.scalar(select(service._bucket(column, boundaries))) == expected, when
