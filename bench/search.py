"""Search benchmark: 10,000 items in French (titles, summaries, bodies, labels, a
comment on every third) over 17 groups, indexed by ``services.search``; then queries
through the service and through GET /api/v1/search in-process, as an agent of 4
groups and as a coordinator (every group). Prints median/p95/p99 and SQL queries per
search, beside a floor measured in the same run (a plain SELECT of an item by its
primary key, and GET /api/v1/items/<id>), the indexing time and the cost of one
edit's index refresh. SQLite always; PostgreSQL too when DATABASE_URL (or
--database-url) names a server (a database of its own is created and dropped).

    .venv/bin/python -m bench.search [--items 10000] [--repeat 40] [--database-url URL]
"""
import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import _sqlalchemy_url  # noqa: E402
from workflow import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.models import ApiToken, Comment, Group, Item, Label, Membership, User, item_labels, utcnow  # noqa: E402
from workflow.services import search as search_service  # noqa: E402

GROUPS = 17
STATES = ("proposed", "in_review", "approved", "scheduled", "published", "published", "archived")
SUBJECTS = ("bibliothèques", "médiathèque", "atelier", "conte", "numérique", "cinéma", "lecture", "jeux vidéo",
            "musique", "exposition", "patrimoine", "bande dessinée", "langues", "code", "photographie", "théâtre",
            "poésie", "sciences", "jardinage", "couture", "histoire locale", "cuisine", "philosophie", "échecs")
QUALIFIERS = ("du quartier", "pour les enfants", "en famille", "pour débutants", "du samedi", "d'été", "en ligne",
              "intergénérationnel", "des adolescents", "du mercredi", "à voix haute", "participatif")
WORDS = ("ressource", "public", "présentation", "séance", "inscription", "gratuit", "animé", "partenaire",
         "réseau", "accueil", "découverte", "thématique", "collection", "emprunt", "rencontre", "auteur",
         "illustration", "tablette", "formation", "bénévole", "programme", "saison", "affiche", "calendrier")
QUERIES = ("bibliotheques", "atelier numerique", "conte enfants", "biblio", "cinema du quartier", "echecs",
           "bande dessinee ete", "inscription gratuite", "xylophone")
TOKEN = "bench-search-token"
COORD_TOKEN = "bench-search-coord"


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed(count):
    """``count`` items with labels and comments; an agent of 4 groups and a coordinator."""
    from workflow.services.accounts import _token_digest

    rng = random.Random(7)
    agent = User(username="agent", display_name="Agent", email="a@x.org", password_hash="x")
    coordinator = User(username="coord", display_name="Coordination", email="c@x.org", password_hash="x",
                       is_coordinator=True)
    db.session.add_all([agent, coordinator])
    groups = [Group(name=f"Groupe {n}", description="", wip_limits={}) for n in range(GROUPS)]
    db.session.add_all(groups)
    db.session.flush()
    for g in groups[:4]:
        db.session.add(Membership(user_id=agent.id, group_id=g.id, role="agent"))
    db.session.add_all([ApiToken(user_id=agent.id, token_hash=_token_digest(TOKEN)),
                        ApiToken(user_id=coordinator.id, token_hash=_token_digest(COORD_TOKEN))])
    labels = [Label(group_id=g.id, name=name) for g in groups for name in ("jeunesse", "adultes", "numérique")]
    db.session.add_all(labels)
    db.session.flush()
    now = utcnow()
    rows = []
    for n in range(count):
        title = f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(QUALIFIERS)} n° {n}"
        rows.append(dict(id=n + 1, group_id=groups[n % GROUPS].id, author_id=agent.id, title=title,
                         summary=sentence(rng, 12), body="## Présentation\n\n" + sentence(rng, 60),
                         resource_type="article", audience="Tout public", state=STATES[n % len(STATES)],
                         rank=f"V{n:08d}", version=1, deleted=n % 50 == 0, comment_count=0, created_at=now,
                         updated_at=now))
    db.session.execute(insert(Item), rows)
    by_group = {}
    for label in labels:
        by_group.setdefault(label.group_id, []).append(label.id)
    db.session.execute(insert(item_labels), [
        {"item_id": r["id"], "label_id": by_group[r["group_id"]][r["id"] % 3]} for r in rows])
    db.session.execute(insert(Comment), [
        {"item_id": r["id"], "author_id": agent.id, "body": sentence(rng, 15), "created_at": now}
        for r in rows if r["id"] % 3 == 0])
    db.session.commit()
    return agent.id, coordinator.id


def settle():
    """PostgreSQL: VACUUM ANALYZE, as autovacuum soon does on a live database."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM ANALYZE {tables}")


SQL_MS = []  # the time spent in the database by each timed call (median printed as "SQL ms")


def timed(fn, repeat):
    """(times in ms, SQL statements of the last call) of ``repeat`` calls after one warm-up."""
    statements, spent = [], []

    def before(*_args):
        statements.append(time.perf_counter())

    def after(*_args):
        spent.append(time.perf_counter() - statements[-1])

    fn()
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    times, sql = [], []
    try:
        for _ in range(repeat):
            statements.clear()
            spent.clear()
            db.session.remove()
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
            sql.append(sum(spent) * 1000)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    SQL_MS[:] = [statistics.median(sql)]
    return times, len(statements)


def row(label, what, times, queries, note=""):
    print(f"{label:<11} {what:<44} {statistics.median(times):>8.2f} {percentile(times, 95):>8.2f} "
          f"{percentile(times, 99):>8.2f} {queries:>7} {SQL_MS[0]:>7.2f}  {note}", flush=True)


def run(label, url, args):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False}, config_name="testing")
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        agent_id, coord_id = seed(args.items)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        indexed = search_service.reindex_all()
        index_s = time.perf_counter() - started
        settle()
        print(f"{label:<11} seeded {args.items:,} items in {seeded:.1f} s; indexed {indexed:,} in {index_s:.1f} s "
              f"({index_s / max(indexed, 1) * 1000:.2f} ms per item)", flush=True)
        client = app.test_client()
        agent = {"Authorization": f"Bearer {TOKEN}"}
        coord = {"Authorization": f"Bearer {COORD_TOKEN}"}
        probe = args.items // 2

        times, queries = timed(lambda: db.session.execute(select(Item).where(Item.id == probe)).scalar_one(),
                               args.repeat)
        row(label, "floor: SELECT item by id", times, queries)
        times, queries = timed(lambda: client.get(f"/api/v1/items/{(probe // GROUPS) * GROUPS + 1}",
                                                  headers=agent), args.repeat)
        row(label, "floor: GET /api/v1/items/<id>", times, queries)
        medians = []
        for q in QUERIES:
            found = {}

            def call(q=q, found=found):
                response = client.get("/api/v1/search", query_string={"q": q, "limit": 8}, headers=agent)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                found["total"] = response.get_json()["total"]

            times, queries = timed(call, args.repeat)
            medians.append(statistics.median(times))
            row(label, f"GET /search agent  q={q!r}", times, queries, f"{found['total']} found")
        for q in ("bibliotheques", "atelier numerique", "biblio"):
            found = {}

            def call(q=q, found=found):
                response = client.get("/api/v1/search", query_string={"q": q, "limit": 8}, headers=coord)
                found["total"] = response.get_json()["total"]

            times, queries = timed(call, args.repeat)
            medians.append(statistics.median(times))
            row(label, f"GET /search coord. q={q!r}", times, queries, f"{found['total']} found")
        user = db.session.get(User, agent_id)
        times, queries = timed(lambda: search_service.search(db.session.merge(user), "bibliotheques", limit=8),
                               args.repeat)
        row(label, "service search() agent 'bibliotheques'", times, queries)

        def refresh():
            search_service.index_items([probe])
            db.session.commit()

        times, queries = timed(refresh, args.repeat)
        row(label, "index refresh of one item (an edit)", times, queries)
        verdict = "OK" if statistics.median(medians) < 50 else "OVER 50 ms"
        print(f"{label:<11} median of the searches' p50: {statistics.median(medians):.1f} ms, "
              f"worst p50 {max(medians):.1f} ms — target < 50 ms: {verdict}", flush=True)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def postgres_database(base):
    """A database of its own on ``base``'s server: (url, drop())."""
    name = f"relais_bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40, help="timed calls after one warm-up (default 40)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="a PostgreSQL server to run on too (default: DATABASE_URL)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'db':<11} {'what':<44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>7} {'SQL ms':>7}")
    run("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench-search.sqlite3", args)
    if args.database_url and args.database_url.startswith(("postgres://", "postgresql")):
        url, drop = postgres_database(_sqlalchemy_url(args.database_url))
        try:
            run("PostgreSQL", url, args)
        finally:
            drop()
    print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
