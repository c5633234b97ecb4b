"""Dashboard benchmark: 100,000 items (and their ~250,000 events) spread over 8
groups, 3 channels and the last 12 weeks; the dashboard computed through
GET /api/v1/dashboard in-process. Prints seeding time, median/p95 latency, the
SQL queries per request, and the slowest figure's own time.

    .venv/bin/python -m bench.dashboard [--items 100000] [--repeat 5] [--database-url URL]
"""
import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, insert  # noqa: E402

from config import _sqlalchemy_url  # noqa: E402
from workflow import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import Channel, Event, Group, Item, Membership, User, utcnow  # noqa: E402
from workflow.services import dashboard as service  # noqa: E402

STATES = ("proposed", "in_review", "approved", "scheduled", "published", "published", "rejected", "archived")
TYPES = ("video", "self_training", "ebook", "article", "kids", "audio", "other")
BATCH = 10_000


def seed(count):
    """``count`` items with a creation event, and a move into review and a decision for
    those past "proposed". Returns the coordinator."""
    coordinator = User(username="coord", display_name="Coordination", email="c@x.org",
                       password_hash="pbkdf2:sha256:1000$x$y", is_coordinator=True)
    agent = User(username="agent", display_name="Agent", email="a@x.org", password_hash="pbkdf2:sha256:1000$x$y")
    db.session.add_all([coordinator, agent])
    groups = [Group(name=f"Groupe {n}", description="", wip_limits={}) for n in range(8)]
    channels = [Channel(slug=f"c{n}", name=f"Canal {n}", daily_capacity=50) for n in range(3)]
    db.session.add_all(groups + channels)
    db.session.flush()
    for g in groups:
        db.session.add(Membership(user_id=agent.id, group_id=g.id, role="agent"))
    now = utcnow()
    all_events = []
    for start in range(0, count, BATCH):
        items, events = [], []
        for n in range(start, min(start + BATCH, count)):
            item_id = n + 1
            group = groups[n % 8]
            created = now - timedelta(days=n % 90, minutes=n % 1440)
            state = STATES[n % len(STATES)]
            items.append({"id": item_id, "group_id": group.id, "author_id": agent.id, "title": f"Ressource {n}",
                          "resource_type": TYPES[n % 7], "state": state, "rank": f"V{n:08d}", "version": 1,
                          "deleted": False, "created_at": created, "updated_at": created,
                          "channel_id": channels[n % 3].id if state in ("scheduled", "published") else None,
                          "scheduled_at": now + timedelta(hours=n % 400) if state == "scheduled" else None,
                          "published_at": created + timedelta(days=1 + n % 20) if state == "published" else None,
                          "submitted_at": created + timedelta(hours=5) if state == "in_review" else None})
            events.append({"type": "item.created", "group_id": group.id, "item_id": item_id, "payload": {},
                           "created_at": created})
            if state != "proposed":
                events.append({"type": "item.moved", "group_id": group.id, "item_id": item_id,
                               "payload": {"from": "proposed", "to": "in_review"},
                               "created_at": created + timedelta(hours=5)})
            if state not in ("proposed", "in_review"):
                events.append({"type": "item.reviewed", "group_id": group.id, "item_id": item_id,
                               "payload": {"from": "in_review", "to": "approved" if state != "rejected" else "rejected"},
                               "created_at": created + timedelta(hours=5 + n % 100)})
        db.session.execute(insert(Item), items)
        all_events.extend(events)
    # Event ids grow with time in a real log: insert them oldest first.
    all_events.sort(key=lambda e: e["created_at"])
    for start in range(0, len(all_events), BATCH * 2):
        db.session.execute(insert(Event), all_events[start:start + BATCH * 2])
    db.session.commit()
    return coordinator


def settle():
    """On PostgreSQL, VACUUM ANALYZE the seeded tables, as autovacuum soon does on a live
    database: otherwise the planner has no statistics and every index-only scan visits
    the table, and the timings depend on whether autovacuum got there first."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {tables}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the seeded database")
    args = parser.parse_args()
    url = _sqlalchemy_url(args.database_url) if args.database_url else \
        f"sqlite:///{tempfile.mkdtemp()}/bench-dashboard.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False}, config_name="testing")
    with app.app_context():
        started = time.perf_counter()
        coordinator = None
        if args.keep and db.inspect(db.engine).has_table("users"):
            coordinator = db.session.query(User).filter_by(username="coord").one_or_none()
        if coordinator is None:
            db.drop_all()
            db.create_all()
            coordinator = seed(args.items)
            settle()
        seeded = time.perf_counter() - started
        events = db.session.query(Event).count()
        from workflow.services.accounts import create_token

        coordinator.password_hash = __import__("werkzeug.security").security.generate_password_hash(
            "bench-password", method="pbkdf2:sha256:1000")
        db.session.commit()
        token, _ = create_token("coord", "bench-password")
        client = app.test_client()
        statements, spent = [], []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append((a[2], time.perf_counter())))
        event.listen(db.engine, "after_cursor_execute",
                     lambda *a: spent.append((time.perf_counter() - statements[-1][1], statements[-1][0])))
        timings, queries = [], []
        for _ in range(args.repeat):
            statements.clear()
            spent.clear()
            t = time.perf_counter()
            response = client.get("/api/v1/dashboard", headers={"Authorization": f"Bearer {token}"})
            timings.append(time.perf_counter() - t)
            queries.append(len(statements))
            assert response.status_code == 200, response.get_data(as_text=True)[:500]
        slowest = list(spent)
        parts = {}
        now = utcnow()
        ids = [g["id"] for g in service.dashboard_groups(coordinator)]
        since = now - timedelta(weeks=12)
        for name, fn in (("states", lambda: service.state_counts(ids)),
                         ("weekly", lambda: service.publications_per_week(ids, now)),
                         ("lead times", lambda: service.lead_times(ids, since)),
                         ("review waits", lambda: service.review_waits(ids, since)),
                         ("flow", lambda: service.cumulative_flow(ids, now, service.state_counts(ids)[1]))):
            t = time.perf_counter()
            fn()
            parts[name] = time.perf_counter() - t
        db.session.remove()
        if args.database_url and not args.keep:
            db.drop_all()
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"{'PostgreSQL' if url.startswith('postgres') else 'SQLite'}")
    print(f"seeded {args.items:,} items and {events:,} events in {seeded:.1f} s")
    print(f"GET /api/v1/dashboard ×{args.repeat}: median {statistics.median(timings) * 1000:.0f} ms, "
          f"max {max(timings) * 1000:.0f} ms, {queries[0]} SQL queries per request")
    print("slowest queries: " + "; ".join(f"{t * 1000:.0f} ms {' '.join(q.split())[:70]}…"
                                           for t, q in sorted(slowest, reverse=True)[:4]))
    print("figures: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in parts.items()))


if __name__ == "__main__":
    main()
