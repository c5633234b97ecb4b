"""Bytes on the wire for a board of N cards (1,000 by default): the board's JSON
(API) and its HTML page, as sent plainly, gzip-compressed and brotli-compressed
(workflow/compression.py), through the WSGI app in-process, with the median time
of each answer (so the price of compressing shows too) and the 304 an unchanged
board costs.

    .venv/bin/python -m bench.wire_bytes [--cards 1000] [--repeat 10]
"""
import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.board_load import seed  # noqa: E402
from workflow import create_app  # noqa: E402
from workflow.extensions import db  # noqa: E402

CODINGS = (("raw", "identity"), ("gzip", "gzip"), ("br", "br"))


def timed(client, path, repeat, headers):
    client.get(path, headers=headers)  # warm-up
    times, response = [], None
    for _ in range(repeat):
        db.session.remove()
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    return response, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} CPU(s), Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'cards':>6} {'format':>6} {'coding':>6} {'bytes':>9} {'ratio':>6} {'median ms':>10}")
    for cards in args.cards:
        tmp = tempfile.mkdtemp()
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "WTF_CSRF_ENABLED": False},
                         config_name="testing")
        with app.app_context():
            db.create_all()
            group, user = seed(cards)
            group_id, session_id = group.id, user.get_id()
            from workflow.models import ApiToken
            from workflow.services.accounts import _token_digest

            db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest("bench-token")))
            db.session.commit()
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = session_id
                session["_fresh"] = True
            pages = (("json", f"/api/v1/groups/{group_id}/board", {"Authorization": "Bearer bench-token"}),
                     ("html", f"/groups/{group_id}/board", {}))
            for name, path, auth in pages:
                raw = None
                for label, accept in CODINGS:
                    response, median = timed(client, path, args.repeat, {**auth, "Accept-Encoding": accept})
                    assert response.status_code == 200, response.status_code
                    assert response.headers.get("Content-Encoding", "identity") == accept, response.headers
                    size = len(response.data)
                    raw = raw or size
                    print(f"{cards:>6} {name:>6} {label:>6} {size:>9} {raw / size:>5.0f}x {median:>10.1f}")
                if name == "json":  # the board's own ETag, for the live client's refetch
                    again = {**auth, "Accept-Encoding": "br", "If-None-Match": response.headers["ETag"]}
                    response, median = timed(client, path, args.repeat, again)
                    assert response.status_code == 304, response.status_code
                    print(f"{cards:>6} {name:>6} {'304':>6} {len(response.data):>9} {'':>6} {median:>10.1f}")
            db.session.remove()


if __name__ == "__main__":
    main()
