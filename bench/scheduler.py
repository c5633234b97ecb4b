"""Scheduler benchmark: 10,000 items due at once, published by `publish_due` run
in several processes at the same time (as by two servers' schedulers and a cron
`flask relais publish-due`). Prints the time and checks exactly-once: every item
published, one `item.published` event each, none twice.

    .venv/bin/python -m bench.scheduler [--items 10000] [--processes 1 3]

SQLite (temporary file) always; PostgreSQL too when DATABASE_URL points at one
(a `relais_bench` database beside it)."""
import argparse
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.api_throughput import pg_bench_url  # noqa: E402
from config import _sqlalchemy_url  # noqa: E402
from workflow import create_app  # noqa: E402
from workflow.domain.ranking import initial_ranks  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import Channel, Event, Group, Item, User, utcnow  # noqa: E402


def app_for(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url}, config_name="testing")


def seed(url, count):
    app = app_for(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        author = User(username="agent", display_name="Agent", email="a@x.org", password_hash="x")
        group = Group(name="Bench", description="")
        channel = Channel(slug="bench", name="Bench", daily_capacity=count)
        db.session.add_all([author, group, channel])
        db.session.flush()
        due = utcnow() - timedelta(minutes=5)
        ranks = initial_ranks(count)
        db.session.execute(insert(Item), [dict(
            group_id=group.id, author_id=author.id, channel_id=channel.id, title=f"Ressource {n}", summary="",
            body="", resource_type="video", audience="", state="scheduled", rank=ranks[n], version=1,
            deleted=False, comment_count=0, scheduled_at=due, created_at=due, updated_at=due)
            for n in range(count)])
        db.session.commit()
        db.engine.dispose()


def publish(url, started, results):
    app = app_for(url)
    with app.app_context():
        from workflow.services.workflow import publish_due

        started.wait()
        try:
            results.put(publish_due())
        except Exception as exc:  # e.g. SQLite "database is locked" past its busy timeout
            results.put(f"{type(exc).__name__}: {str(exc).splitlines()[0][:60]}")
        db.engine.dispose()


def run(url, count, processes):
    seed(url, count)
    ctx = multiprocessing.get_context("fork")
    started, results = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=publish, args=(url, started, results)) for _ in range(processes)]
    for w in workers:
        w.start()
    time.sleep(0.5)  # let every process import and connect before the clock starts
    begin = time.perf_counter()
    started.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - begin
    outcomes = [results.get(timeout=60) for _ in workers]
    counts = [c for c in outcomes if isinstance(c, int)]
    errors = [c for c in outcomes if not isinstance(c, int)]
    if errors:  # what a failed run left is published by the next run (cron, timer): run once more
        app = app_for(url)
        with app.app_context():
            from workflow.services.workflow import publish_due

            counts.append(publish_due())
            db.engine.dispose()
    app = app_for(url)
    with app.app_context():
        published = db.session.scalar(select(func.count()).select_from(Item).where(Item.state == "published"))
        events = db.session.scalar(select(func.count()).select_from(Event).where(Event.type == "item.published"))
        distinct = db.session.scalar(select(func.count(func.distinct(Event.item_id)))
                                     .where(Event.type == "item.published"))
        db.engine.dispose()
    # Exactly once: every item published, one event each. (A run that failed midway
    # committed its finished batches without reporting them, so counts may sum short.)
    once = published == events == distinct == count and (errors or sum(counts) == count)
    return {"processes": processes, "seconds": elapsed, "rate": count / elapsed, "published": published,
            "events": events, "split": "+".join(map(str, counts)), "once": once,
            "errors": errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f}")
    databases = [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        databases.append(("postgresql", _sqlalchemy_url(pg_bench_url(url.replace("+psycopg", "")))))
    header = (f"{'db':<11} {'procs':>5} {'items':>6} {'seconds':>8} {'items/s':>8} {'published':>9} "
              f"{'events':>7} {'per process':>17} {'exactly once':>12}")
    print(header)
    print("-" * len(header))
    for label, db_url in databases:
        for processes in args.processes:
            r = run(db_url, args.items, processes)
            print(f"{label:<11} {r['processes']:>5} {args.items:>6} {r['seconds']:>8.2f} {r['rate']:>8.0f} "
                  f"{r['published']:>9} {r['events']:>7} {r['split']:>17} {'yes' if r['once'] else 'NO':>12}"
                  + (f"  {len(r['errors'])} run(s) failed, a next run finished: {r['errors'][0]}" if r["errors"] else ""),
                  flush=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a publishing process: {peak:.0f} MB; load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
