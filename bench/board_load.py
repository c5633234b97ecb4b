"""Board load benchmark: a board of N cards (1,000 and 5,000 by default),
fetched as JSON (API) and as the HTML page, through the WSGI app in-process.
Prints median/p95/p99 latency, response size and SQL queries per request.

    .venv/bin/python -m bench.board_load [--cards 1000 5000] [--repeat 30] [--database-url URL]
"""
import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event, insert  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.domain.ranking import initial_ranks  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import Group, Item, Label, Membership, User, item_assignees, item_labels, utcnow  # noqa: E402

STATES = ("proposed", "in_review", "approved", "scheduled", "published")


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def seed(cards):
    users = [User(username=f"agent{n}", display_name=f"Agent {n}", email=f"a{n}@x.org",
                  password_hash="pbkdf2:sha256:1000$x$y") for n in range(10)]
    db.session.add_all(users)
    group = Group(name="Bench", description="")
    db.session.add(group)
    db.session.flush()
    for u in users:
        db.session.add(Membership(user_id=u.id, group_id=group.id, role="agent"))
    labels = [Label(group_id=group.id, name=f"label{n}") for n in range(8)]
    db.session.add_all(labels)
    db.session.flush()
    now = utcnow()
    ranks = initial_ranks(cards)
    rows = [dict(group_id=group.id, author_id=users[n % 10].id, title=f"Ressource numéro {n}",
                 summary="Un résumé de la ressource.", body="Corps " * 40, resource_type="video",
                 audience="Adultes", state=STATES[n % 5], rank=ranks[n], version=1, deleted=False,
                 comment_count=n % 4, created_at=now, updated_at=now,
                 published_at=now if STATES[n % 5] == "published" else None,
                 scheduled_at=None) for n in range(cards)]
    db.session.execute(insert(Item), rows)
    ids = [i for (i,) in db.session.execute(db.select(Item.id).where(Item.group_id == group.id))]
    db.session.execute(insert(item_labels), [{"item_id": i, "label_id": labels[i % 8].id} for i in ids])
    db.session.execute(insert(item_assignees), [{"item_id": i, "user_id": users[i % 10].id} for i in ids])
    db.session.commit()
    return group, users[0]


def measure(client, path, repeat, headers=None):
    times, size, queries, cpu = [], 0, [], []
    counter = []

    def before(*_args):
        counter.append(1)

    client.get(path, headers=headers or {})  # warm-up, not timed
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        for _ in range(repeat):
            counter.clear()
            db.session.remove()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers or {})
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, response.status_code
            size = len(response.data)
            queries.append(len(counter))
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return times, size, max(queries), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=30, help="timed loads after one warm-up (default 30)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'cards':>6} {'format':>6} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} {'size KB':>8} {'queries':>8} {'CPU ms':>7}")
    for cards in args.cards:
        tmp = tempfile.mkdtemp()
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False}, config_name="testing")
        with app.app_context():
            db.drop_all()
            db.create_all()
            group, user = seed(cards)
            group_id, user_session_id = group.id, user.get_id()
            user_id = user.id
            from workflow.services.accounts import _token_digest
            from workflow.models import ApiToken

            db.session.add(ApiToken(user_id=user_id, token_hash=_token_digest("bench-token")))
            db.session.commit()
            client = app.test_client()
            headers = {"Authorization": "Bearer bench-token"}
            times, size, queries, cpu = measure(client, f"/api/v1/groups/{group_id}/board", args.repeat, headers)
            print(f"{cards:>6} {'json':>6} {statistics.median(times):>10.1f} {percentile(times, 95):>8.1f} "
                  f"{percentile(times, 99):>8.1f} {size / 1024:>8.0f} {queries:>8} {cpu:>7.1f}")
            with client.session_transaction() as session:
                session["_user_id"] = user_session_id
                session["_fresh"] = True
            times, size, queries, cpu = measure(client, f"/groups/{group_id}/board", args.repeat)
            print(f"{cards:>6} {'html':>6} {statistics.median(times):>10.1f} {percentile(times, 95):>8.1f} "
                  f"{percentile(times, 99):>8.1f} {size / 1024:>8.0f} {queries:>8} {cpu:>7.1f}")
            db.session.remove()
            print(f"{'':>6} peak RSS of this process so far: "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
            if args.database_url:
                db.drop_all()


if __name__ == "__main__":
    main()
