"""The floor Relais is measured against: the least a Flask app can do for the same
answer, on the same database, with no ORM, no schema and no permission model beyond
"this token's active user is a member". bench/read_path.py and bench/side_by_side.py
serve it with scripts/serve.sh's gunicorn flags, beside Relais.

- ``GET /api/v1/items/<id>`` (Bearer): hash the token (SHA-256), one indexed lookup
  joining the token, its active user and the item, one row, JSON.
- ``GET /board/<group_id>`` (Bearer): one lookup (token, user, membership, group),
  then the board's cards in one query joining author, channel, labels and assignees
  (the columns the board JSON shows, the same cards: not deleted, in a board column,
  published ones of the last 30 days), folded into columns and encoded with orjson;
  brotli (quality 5) or gzip (level 6) when the client accepts it, as Relais's
  Flask-Compress settings do.
- ``GET /board/<group_id>/page`` (Bearer): the same rows through a trivial Jinja
  template (a list per column, a few fields per card; no page around it).
- ``POST /items/<id>/move`` (Bearer, ``{"rank": "..."}``): in one transaction, one
  UPDATE of the card's rank and version (guarded by the token's membership of its
  group) and one INSERT of an ``item.moved`` row in ``events``.

DATABASE_URL: sqlite:///file or postgresql://…"""
import gzip
import hashlib
import json
import os
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import brotli
import orjson
from flask import Flask, Response, abort, jsonify, request
from jinja2 import Environment

URL = os.environ["DATABASE_URL"]
QUERY = ("SELECT items.id, items.group_id, items.title, items.summary, items.state, items.rank, items.version, "
         "items.updated_at FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
         "JOIN items ON items.id = {p} WHERE api_tokens.token_hash = {p} AND api_tokens.revoked_at IS NULL "
         "AND users.active")
COLUMNS = ("id", "group_id", "title", "summary", "state", "rank", "version", "updated_at")
BOARD_COLUMNS = ("proposed", "in_review", "approved", "scheduled", "published")
PUBLISHED_DAYS = 30
CARD_FIELDS = ("id", "group_id", "title", "summary", "body", "resource_type", "resource_url", "audience", "state",
               "archived_from", "rank", "scheduled_at", "held_slot_at", "published_at", "version", "deleted",
               "comment_count", "claimed_by_id", "review_round", "submitted_at", "changes_requested",
               "licence_end", "due_at", "tasks_done", "tasks_total", "created_at", "updated_at")
TIMES = ("scheduled_at", "held_slot_at", "published_at", "due_at", "submitted_at", "created_at", "updated_at")
BOOLS = ("deleted", "changes_requested")
GROUP_QUERY = ("SELECT groups.id, groups.name, groups.description, memberships.role, groups.wip_limits, "
               "groups.last_seq, (SELECT MAX(events.id) FROM events WHERE events.group_id = groups.id), users.id "
               "FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
               "JOIN memberships ON memberships.user_id = users.id AND memberships.group_id = {p} "
               "JOIN groups ON groups.id = memberships.group_id "
               "WHERE api_tokens.token_hash = {p} AND api_tokens.revoked_at IS NULL AND users.active")
CARDS_QUERY = ("SELECT " + ", ".join(f"items.{c}" for c in CARD_FIELDS) + ", items.cover_attachment_id, "
               "items.author_id, author.username, author.display_name, items.channel_id, channels.slug, "
               "channels.name, labels.id, labels.name, labels.color, people.id, people.username, "
               "people.display_name FROM items JOIN users AS author ON author.id = items.author_id "
               "LEFT JOIN channels ON channels.id = items.channel_id "
               "LEFT JOIN item_labels ON item_labels.item_id = items.id "
               "LEFT JOIN labels ON labels.id = item_labels.label_id "
               "LEFT JOIN item_assignees ON item_assignees.item_id = items.id "
               "LEFT JOIN users AS people ON people.id = item_assignees.user_id "
               "WHERE items.group_id = {p} AND NOT items.deleted AND items.state IN ("
               + ", ".join(f"'{s}'" for s in BOARD_COLUMNS) + ") "
               "AND (items.state <> 'published' OR COALESCE(items.published_at, items.updated_at) >= {p}) "
               "ORDER BY items.rank, items.id, labels.name, people.username")
MOVE_UPDATE = ("UPDATE items SET rank = {p}, version = version + 1, updated_at = {p} WHERE items.id = {p} "
               "AND EXISTS (SELECT 1 FROM api_tokens JOIN users ON users.id = api_tokens.user_id "
               "JOIN memberships ON memberships.user_id = users.id AND memberships.group_id = items.group_id "
               "WHERE api_tokens.token_hash = {p} AND api_tokens.revoked_at IS NULL AND users.active) "
               "RETURNING items.group_id, items.state, items.version")
MOVE_EVENT = ("INSERT INTO events (type, actor_id, group_id, item_id, payload, created_at, from_state, to_state) "
              "VALUES ('item.moved', NULL, {p}, {p}, {p}, {p}, {p}, {p})")
PAGE = Environment(autoescape=True).from_string(
    "<!doctype html><title>{{ group.name }}</title><main>{% for column in columns %}"
    "<section data-state=\"{{ column.state }}\"><h2>{{ column.state }} ({{ column.count }})</h2><ol>"
    "{% for c in column['items'] %}<li id=\"card-{{ c.id }}\" data-version=\"{{ c.version }}\" "
    "data-rank=\"{{ c.rank }}\"><b>{{ c.title }}</b> {{ c.resource_type }} · {{ c.author.display_name }}"
    "<ul>{% for label in c.labels %}<li class=\"label-{{ label.color }}\">{{ label.name }}</li>{% endfor %}"
    "</ul>{% for p in c.assignees %}<span title=\"{{ p.display_name }}\">{{ p.username }}</span>{% endfor %}"
    " {{ c.comment_count }}</li>{% endfor %}</ol></section>{% endfor %}</main>")
_local = threading.local()

app = Flask(__name__)


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if URL.startswith("sqlite:///"):
            conn = sqlite3.connect(URL[len("sqlite:///"):], check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=10000")
            # Relais's own settings (workflow/database.py; WAL is the file's, set by Relais):
            # the same durability for the floor's move.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            p = "?"
        else:
            import psycopg

            conn = psycopg.connect(URL.replace("+psycopg", ""), autocommit=True)
            p = "%s"
        _local.query = QUERY.format(p=p)
        _local.queries = {name: sql.format(p=p) for name, sql in (
            ("group", GROUP_QUERY), ("cards", CARDS_QUERY), ("move", MOVE_UPDATE), ("event", MOVE_EVENT))}
        _local.sqlite = p == "?"
        _local.conn = conn
    return conn


def _digest():
    header = request.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        abort(401)
    return hashlib.sha256(header[7:].strip().encode()).hexdigest()


def _now():
    now = datetime.now(timezone.utc)
    return now.replace(tzinfo=None) if _local.sqlite else now


def _iso(value):
    """A stored time as the API shows it (SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC)."""
    if value is None or isinstance(value, datetime):
        return value  # orjson writes an aware datetime as ISO 8601
    return value.replace(" ", "T") + "+00:00"


def _board(group_id):
    conn = _connection()
    group = conn.execute(_local.queries["group"], (group_id, _digest())).fetchone()
    if group is None:
        abort(404)
    gid, name, description, role, limits, seq, last_id, _user = group
    limits = json.loads(limits) if isinstance(limits, str) else (limits or {})
    cutoff = _now() - timedelta(days=PUBLISHED_DAYS)
    columns = {state: [] for state in BOARD_COLUMNS}
    card, n = None, len(CARD_FIELDS)
    for row in conn.execute(_local.queries["cards"], (group_id, cutoff)):
        if card is None or card["id"] != row[0]:
            card = dict(zip(CARD_FIELDS, row, strict=False))
            for key in TIMES:
                card[key] = _iso(card[key])
            for key in BOOLS:
                card[key] = bool(card[key])
            if card["licence_end"] is not None:
                card["licence_end"] = str(card["licence_end"])
            cover = row[n]
            card["cover"] = {"id": cover, "thumbnail_url": f"/api/v1/attachments/{cover}?thumbnail=cover"} \
                if cover else None
            card["author"] = {"id": row[n + 1], "username": row[n + 2], "display_name": row[n + 3]}
            card["channel"] = {"id": row[n + 4], "slug": row[n + 5], "name": row[n + 6]} if row[n + 4] else None
            card["labels"], card["assignees"] = [], []
            columns[card["state"]].append(card)
        if row[n + 7] is not None and all(label["id"] != row[n + 7] for label in card["labels"]):
            card["labels"].append({"id": row[n + 7], "name": row[n + 8], "color": row[n + 9]})
        if row[n + 10] is not None and all(p["id"] != row[n + 10] for p in card["assignees"]):
            card["assignees"].append({"id": row[n + 10], "username": row[n + 11], "display_name": row[n + 12]})
    return {"group": {"id": gid, "name": name, "description": description, "role": role, "wip_limits": limits},
            "columns": [{"state": state, "count": len(cards), "wip_limit": limits.get(state),
                         "over_limit": bool(limits.get(state)) and len(cards) > limits[state], "items": cards}
                        for state, cards in columns.items()],
            "last_event_id": last_id, "seq": seq or 0}


def _answer(body, mimetype):
    """``body`` brotli- or gzip-compressed when the client accepts it (Relais's levels)."""
    accepted = request.headers.get("Accept-Encoding", "")
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if "br" in accepted:
        body, headers["Content-Encoding"] = brotli.compress(body, quality=5, lgwin=22), "br"
    elif "gzip" in accepted:
        body, headers["Content-Encoding"] = gzip.compress(body, 6), "gzip"
    return Response(body, mimetype=mimetype, headers=headers)


@app.get("/board/<int:group_id>")
def board(group_id):
    return _answer(orjson.dumps(_board(group_id)), "application/json")


@app.get("/board/<int:group_id>/page")
def board_page(group_id):
    data = _board(group_id)
    return _answer(PAGE.render(**data).encode(), "text/html")


@app.post("/items/<int:item_id>/move")
def move(item_id):
    rank = (request.get_json(silent=True) or {}).get("rank")
    if not isinstance(rank, str) or not rank:
        abort(400)
    digest, now = _digest(), _now()
    conn = _connection()
    if _local.sqlite:  # one transaction: BEGIN IMMEDIATE … COMMIT
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = _move(conn, item_id, rank, digest, now)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    else:
        with conn.transaction():
            row = _move(conn, item_id, rank, digest, now)
    if row is None:
        abort(404)
    return Response(orjson.dumps({"id": item_id, "rank": rank, "version": row[2]}), mimetype="application/json")


def _move(conn, item_id, rank, digest, now):
    rows = conn.execute(_local.queries["move"], (rank, now, item_id, digest)).fetchall()
    row = rows[0] if rows else None
    if row is not None:
        group_id, state, version = row
        conn.execute(_local.queries["event"], (group_id, item_id, orjson.dumps(
            {"id": item_id, "rank": rank, "version": version, "from": state, "to": state}).decode(), now, state, state))
    return row


@app.get("/api/v1/items/<int:item_id>")
def item(item_id):
    digest = _digest()
    conn = _connection()
    row = conn.execute(_local.query, (item_id, digest)).fetchone()
    if row is None:
        abort(404)
    out = dict(zip(COLUMNS, row, strict=False))
    if isinstance(out["updated_at"], datetime):
        out["updated_at"] = out["updated_at"].astimezone(timezone.utc).isoformat()
    return jsonify(out)
