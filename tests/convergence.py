"""Convergence harness: real server processes, socket clients that each keep
their own board by the protocol of docs/realtime.md ("The board log"), random
writers through the HTTP API, a chaos thread that drops sockets, then
quiescence and a comparison of every client's board with a fresh GET.

Used by tests/integration/test_convergence.py (one SQLite process; two
processes on PostgreSQL + Redis) and tests/security/test_convergence_faults.py
(private Redis / PostgreSQL killed, a worker killed with SIGKILL).

Pieces:
- ``Servers``: ``scripts/serve.sh`` as a child process group, one gunicorn per port.
- ``seed_world``: a group, agents and leads with API tokens, a few items.
- ``BoardClient``: one socket client and its board model (cards by id, ``seq``,
  a buffer of early events); reconnects by itself, failing over along a list of URLs.
- ``Actor``: a thread making seeded random writes (create, move, reorder,
  fresh/stale edit, claim/unclaim, comment, trash/restore).
- ``Chaos``: a thread that drops a random client's socket for 0.5–3 s.
- ``Run``: all of the above for one seed, with ``quiesce()`` and ``compare()``.

Nothing here sleeps to wait for a condition: waits poll with a timeout; only
the actor and chaos threads sleep, to pace themselves."""
import contextlib
import os
import queue
import random
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import engineio
import requests
import socketio as socketio_lib

from bench.ports import free_ports, port_open

from .processes import pids_serving

ROOT = Path(__file__).resolve().parents[1]
STATES = ("proposed", "in_review", "approved", "scheduled", "published", "rejected", "archived")


# ---------------------------------------------------------------- small helpers

def wait_for(condition, timeout=10.0, interval=0.05):
    """Poll ``condition`` until it is truthy or ``timeout`` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)




def free_port():
    return free_ports(1)


# ---------------------------------------------------------------- servers

class Servers:
    """``scripts/serve.sh`` with ``workers`` gunicorn processes on consecutive
    ports, in a process group of its own. ``env`` adds to os.environ."""

    def __init__(self, env, workers=1, log_dir=None):
        self.workers = workers
        self.port = free_ports(workers)
        self.ports = [self.port + i for i in range(workers)]
        self.urls = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.env = dict(os.environ, SECRET_KEY=f"conv-{uuid.uuid4().hex}", RELAIS_ENV="production",
                        WEB_WORKERS=str(workers), WEB_THREADS="60", PORT=str(self.port), HOST="127.0.0.1",
                        ACCESS_LOG="", RELAIS_SCHEDULER="0", PRESENCE_TTL="2", SOCKET_RATE_LIMIT="0",
                        BOARD_HEARTBEAT="1", BOARD_POLL_INTERVAL="0.5", IDEMPOTENCY_LEASE="2",
                        # Small resync pages, so a client that was away reads several (has_more).
                        EVENTS_PAGE_SIZE="7",
                        PYTHONUNBUFFERED="1",
                        # A channel of their own: servers of other tests (another worker's
                        # seeds of the same test, with the same group ids) share the Redis.
                        SOCKETIO_CHANNEL=f"relais-conv-{uuid.uuid4().hex}")
        if "REDIS_URL" not in env:  # the embedded default (one process): no Redis at all
            self.env.pop("REDIS_URL", None)
        self.env.update(env)
        self.log_path = Path(log_dir or "/tmp") / f"relais-conv-{self.port}.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["sh", "scripts/serve.sh"], cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        up = wait_for(lambda: all(port_open(p) for p in self.ports) or self.proc.poll() is not None, timeout=40)
        if not up or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError(f"servers did not start: {self.tail()}")

    def tail(self, chars=3000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self, index, sig=signal.SIGKILL):
        """SIGKILL the gunicorn master and worker of ``ports[index]``: a crash."""
        victims = pids_serving(self.ports[index], self.proc.pid)
        if not victims:
            raise RuntimeError(f"no process serves port {self.ports[index]}")
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        return victims

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # serve.sh stops its gunicorn processes on TERM
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # a worker left behind by a killed master
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- the world

@dataclass
class World:
    group_id: int
    tokens: dict  # username -> token
    roles: dict  # username -> "agent" | "lead"
    user_ids: dict  # username -> id
    item_ids: list

    def names(self, role=None):
        return [n for n, r in self.roles.items() if role is None or r == role]


def create_schema(url, tmp_path):
    """The tables on ``url`` (before the servers start)."""
    from tests.conftest import make_app
    from workflow.extensions import db

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()


def seed_world(url, tmp_path, agents=3, leads=2, items=8):
    """Schema (if missing) and data on ``url``: a new group, ``agents`` agents and
    ``leads`` leads with API tokens, ``items`` items spread over the first
    columns, plus two cards with a worn-out gap at the top of "proposed".
    One world per seed keeps the seeds independent of each other."""
    from tests import factories as f
    from tests.conftest import make_app
    from workflow.extensions import db
    from workflow.services.accounts import create_token

    tag = uuid.uuid4().hex[:6]
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        group = f.GroupFactory(name=f"Convergence {tag}")
        people = {}
        for role, count in (("agent", agents), ("lead", leads)):
            for i in range(count):
                user = f.UserFactory(username=f"{role}{i}-{tag}")
                f.MembershipFactory(user=user, group=group, role=role)
                people[user.username] = (user, role)
        names = list(people)
        states = ["proposed", "proposed", "in_review", "approved"]
        made = []
        for i in range(items):
            author = people[names[i % len(names)]][0]
            made.append(f.ItemFactory(group=group, author=author, state=states[i % len(states)],
                                      title=f"Seed {i}").id)
        # The top of "proposed": two cards whose gap is worn out (ranks a board gets after
        # many drops between the same cards), so a few drops there rebalance the column.
        from workflow.services import items as item_service

        # As long as a rank may be: no rank short enough fits between them, so the first drop
        # into that gap rebalances the column whatever the timing (the first card dropped there
        # is never already there: "Worn 1" is).
        width = getattr(item_service, "MAX_RANK_LENGTH", 24)
        for i, last in enumerate("12"):
            made.append(f.ItemFactory(group=group, author=people[names[i]][0], state="proposed",
                                      title=f"Worn {i}", rank="1" + "0" * (width - 2) + last).id)
        tokens = {name: create_token(name, f.PASSWORD)[0] for name in names}
        world = World(group.id, tokens, {n: r for n, (_, r) in people.items()},
                      {n: u.id for n, (u, _) in people.items()}, made)
        db.session.remove()
        db.engine.dispose()
    return world


# ---------------------------------------------------------------- board views

def card_key(item):
    """What is compared of a card: id, version, title, and two fields that change
    without an edit of the card (who claimed it, its comment count)."""
    return (item["id"], item["version"], item["title"], item.get("claimed_by_id"), item.get("comment_count"))


def board_columns(board):
    """``{column: [card]}`` of a GET board answer (include_hidden=1), in board order."""
    return {c["state"]: [card_key(i) for i in c["items"]] for c in board["columns"] if c["items"]}


def get_board(urls, token, group_id, timeout=5):
    """GET the board from the first URL that answers 200; None when none does."""
    for url in urls:
        try:
            r = requests.get(f"{url}/api/v1/groups/{group_id}/board", params={"include_hidden": "1"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
        except requests.RequestException:
            continue
        if r.status_code == 200:
            return r.json()
    return None


LEGACY = os.environ.get("RELAIS_CONV_LEGACY") == "1"


def board_head(board):
    return board.get("seq", board.get("last_event_id") if LEGACY else None)


# ---------------------------------------------------------------- socket client

class _OrderedEngineIO(engineio.Client):
    """Engine.IO delivers each message on a new thread; a browser delivers them
    in order. Handing them over in the read loop keeps arrival order (our
    handlers only enqueue, so nothing blocks the loop)."""

    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _OrderedClient(socketio_lib.Client):
    def _engineio_client_class(self):
        return _OrderedEngineIO


def _flat(event):
    """A resync / feed event (payload nested) in the shape of a socket event."""
    if "payload" in event and isinstance(event["payload"], dict):
        out = dict(event["payload"])
        out.update({k: v for k, v in event.items() if k != "payload"})
        out.setdefault("event_id", event.get("id"))
        return out
    return event


@dataclass
class ClientStats:
    connects: int = 0
    drops: int = 0
    failovers: int = 0
    events: int = 0  # board events received on the socket
    applied: int = 0
    duplicates: int = 0
    gaps: int = 0
    gaps_healed: int = 0
    resyncs: int = 0  # resync calls (pages)
    resync_failures: int = 0
    heads_ahead: int = 0  # board.head above our seq
    heads: int = 0
    protocol_errors: list = field(default_factory=list)
    last_connect_error: str = ""
    rebalances: int = 0  # column.rebalanced applied
    lost: int = 0  # events this client threw away on purpose
    board_reads: int = 0  # GETs of the board: 1, the start (no reload)
    more_pages: int = 0  # resync answers with has_more
    itemless: int = 0  # board events with neither item nor ranks (applied: seq only)


# What a client needs of an event's item to place and show the card (GET /items/<id> has more).
ITEM_FIELDS = {"id", "group_id", "title", "state", "rank", "version", "deleted", "claimed_by_id", "comment_count"}
NOT_BOARD = {"presence.updated", "board.head", "notification.created", "notifications.unread"}


class BoardClient:
    """One socket client and its own board, kept only by the protocol: the
    initial GET (cards + seq), events applied in seq order, buffered past a gap
    and healed by ``resync``, resync when ``board.head`` or the join ack is
    ahead, rejoin + resync after every (re)connection. Reconnects by itself to
    ``urls`` in turn (fail-over) unless a drop holds it down."""

    def __init__(self, name, urls, token, group_id, lose=0.0, rng=None):
        self.name, self.urls, self.token, self.group_id = name, list(urls), token, group_id
        # Lose this share of the board events that arrive (a message lost in transit), so
        # that gap detection and the board.head heartbeat are exercised too.
        self.lose, self.rng = lose, rng or random.Random(name)
        self.url_index = 0
        self.items = {}
        self.seq = None
        self.buffer = {}
        self.stats = ClientStats()
        self.inbox = queue.Queue()
        self.sio = None
        self.connected = False
        self.joined = False
        self.held_until = 0.0
        self.need_resync = False
        self.next_resync = 0.0
        self.open_gap = None  # the highest seq buffered when a gap was seen
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = None
        self.generation = 0
        self.legacy = False  # RELAIS_CONV_LEGACY=1 on a server without seq: event ids, no gap detection

    # -- lifecycle
    def start(self, board=None):
        """Initial state from ``board`` (a GET answer) or a GET of its own."""
        # A page that does not load is loaded again (an outage): the first answer counts.
        board = board or wait_for(lambda: get_board(self.urls, self.token, self.group_id), timeout=30, interval=0.3)
        self.stats.board_reads += 1
        if board is None:
            raise RuntimeError(f"{self.name}: cannot read the board")
        if "seq" not in board:
            if not LEGACY:
                raise AssertionError("GET /board carries no 'seq' (docs/realtime.md, The board log)")
            self.legacy = True
        with self.lock:
            self.seq = board_head(board)
            for column in board["columns"]:
                for item in column["items"]:
                    self.items[item["id"]] = item
        self.thread = threading.Thread(target=self._run, name=f"client-{self.name}", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(10)
        self._close()

    def drop(self, seconds):
        """Disconnect now and stay away ``seconds`` (the chaos thread)."""
        self.held_until = time.monotonic() + seconds
        self.stats.drops += 1
        self.inbox.put(("drop", self.generation, None, None))

    # -- the loop: connects, reads the inbox, resyncs; one thread, so one resync at a time
    def _run(self):
        while not self.stopping.is_set():
            try:
                self._step()
            except Exception as exc:  # noqa: BLE001 - a bug of ours or a malformed message: say so, go on
                self.stats.protocol_errors.append(f"client loop: {exc!r}")
                self._close()
                self.held_until = time.monotonic() + 0.2

    def _step(self):
        """One turn: (re)connect when due, resync when due, handle one message."""
        if not self.connected and time.monotonic() >= self.held_until:
            self._connect()
        if self.connected and self.joined and self.need_resync and time.monotonic() >= self.next_resync:
            self._resync()
        try:
            kind, generation, name, data = self.inbox.get(timeout=0.05)
        except queue.Empty:
            return
        if kind == "drop":
            self._close()
        elif kind == "disconnect":
            if generation == self.generation:
                self._close()
        elif kind == "event" and generation == self.generation:
            self._on_event(name, data)

    def _close(self):
        sio, self.sio = self.sio, None
        self.connected = self.joined = False
        self.generation += 1
        if sio is not None:
            with contextlib.suppress(Exception):
                sio.disconnect()

    def _connect(self):
        url = self.urls[self.url_index % len(self.urls)]
        self.generation += 1
        generation = self.generation
        sio = _OrderedClient(reconnection=False, request_timeout=5, handle_sigint=False)

        @sio.on("*")
        def any_event(name, data=None):
            self.inbox.put(("event", generation, name, data))

        @sio.event
        def disconnect(reason=None):
            self.inbox.put(("disconnect", generation, None, None))

        try:
            sio.connect(url, auth={"token": self.token}, transports=["websocket"], wait_timeout=5)
        except Exception as exc:  # noqa: BLE001 - refused, down, timed out: try the next URL a moment later
            self.stats.last_connect_error = repr(exc)[:200]
            with contextlib.suppress(Exception):
                sio.disconnect()
            self.url_index += 1
            self.stats.failovers += len(self.urls) > 1
            self.held_until = time.monotonic() + 0.2
            return
        self.sio, self.connected = sio, True
        self.stats.connects += 1
        try:
            ack = sio.call("join", {"group_id": self.group_id}, timeout=5)
        except Exception:  # noqa: BLE001
            self._close()
            self.held_until = time.monotonic() + 0.2
            return
        if not (isinstance(ack, dict) and ack.get("ok")):
            self._close()
            self.held_until = time.monotonic() + 0.5
            return
        self.joined = True
        if "seq" not in ack and not self.legacy:
            self.stats.protocol_errors.append(f"join ack without seq: {sorted(ack)}")
        # Reconnect rule: always resync from our seq after a (re)connection.
        self.need_resync = True
        self.next_resync = 0.0

    # -- events
    def _on_event(self, name, data):
        if name == "board.head":
            self.stats.heads += 1
            if isinstance(data, dict) and data.get("group_id") == self.group_id and data.get("seq", 0) > self.seq:
                self.stats.heads_ahead += 1
                self.need_resync = True
            return
        if name in NOT_BOARD or not isinstance(data, dict) or data.get("group_id") != self.group_id:
            return
        self.stats.events += 1
        if self.lose and self.rng.random() < self.lose:
            self.stats.lost += 1
            return
        seq = data.get("event_id" if self.legacy else "seq")
        if self.legacy and isinstance(seq, int) and seq > self.seq:
            data["seq"] = seq
            self._apply(data)
            return
        if not isinstance(seq, int):
            self.stats.protocol_errors.append(f"{name} without seq (event_id {data.get('event_id')})")
            return
        if seq <= self.seq:
            self.stats.duplicates += 1
            return
        if seq == self.seq + 1:
            self._apply(data)
            self._drain()
            return
        # A gap: keep it, ask for what is missing.
        self.buffer[seq] = data
        if self.open_gap is None:
            self.stats.gaps += 1
            self.open_gap = seq
            self.need_resync = True
            self.next_resync = 0.0
        else:
            self.open_gap = max(self.open_gap, seq)

    def _apply(self, event):
        with self.lock:
            item = event.get("item")
            if event.get("type") == "column.rebalanced" or "ranks" in event:
                self.stats.rebalances += 1
                for item_id, rank in (event.get("ranks") or {}).items():
                    card = self.items.get(int(item_id))
                    if card is not None:
                        card["rank"] = rank
                    else:
                        self.stats.protocol_errors.append(f"rebalance of unknown card {item_id}")
            if isinstance(item, dict) and "id" in item:
                missing = ITEM_FIELDS - set(item)
                if missing:
                    self.stats.protocol_errors.append(f"{event.get('type')} seq {event.get('seq')}: "
                                                      f"item without {sorted(missing)}")
                self.items[item["id"]] = item
            elif event.get("type") != "column.rebalanced" and "ranks" not in event:
                self.stats.itemless += 1
            self.seq = event["seq"]
        self.stats.applied += 1

    def _drain(self):
        while self.seq + 1 in self.buffer:
            self._apply(self.buffer.pop(self.seq + 1))
        for stale in [s for s in self.buffer if s <= self.seq]:
            del self.buffer[stale]
        if self.open_gap is not None and self.seq >= self.open_gap:
            self.open_gap = None
            self.stats.gaps_healed += 1

    def _resync(self):
        """Pages of ``resync`` from our seq until ``has_more`` is false."""
        while self.connected and not self.stopping.is_set():
            self.stats.resyncs += 1
            try:
                args = {"since": self.seq} if self.legacy else {"since_seq": self.seq}
                ack = self.sio.call("resync", {"group_id": self.group_id, **args}, timeout=5)
            except Exception:  # noqa: BLE001 - disconnected or timed out: again after reconnecting / a moment
                ack = None
            if not (isinstance(ack, dict) and ack.get("ok")):
                self.stats.resync_failures += 1
                self.next_resync = time.monotonic() + 0.3
                return
            for raw in ack.get("events", []):
                event = _flat(raw)
                if self.legacy:
                    event["seq"] = self.seq + 1 if event["id"] > self.seq else event["id"]
                    if event["id"] > self.seq:
                        self._apply(event)
                        self.seq = event["id"]
                    continue
                seq = event.get("seq")
                if not isinstance(seq, int):
                    self.stats.protocol_errors.append(f"resync event without seq: {raw.get('id')}")
                    continue
                if seq <= self.seq:
                    continue
                if seq != self.seq + 1:
                    self.stats.protocol_errors.append(f"resync from {self.seq} skipped to {seq}")
                    self.buffer[seq] = event
                    continue
                self._apply(event)
                self._drain()
            if "seq" not in ack and not self.legacy:
                self.stats.protocol_errors.append("resync ack without seq (the board's head)")
            if ack.get("has_more"):
                self.stats.more_pages += 1
            else:
                head = ack.get("seq")
                if isinstance(head, int) and head > self.seq and not ack.get("events"):
                    self.stats.protocol_errors.append(
                        f"resync from {self.seq}: no events, has_more false, but head {head}")
                    break
                if isinstance(head, int) and head > self.seq:
                    # The head moved on while we read: read again at once.
                    continue
                break
        self._drain()
        if self.open_gap is not None and self.seq >= self.open_gap:
            self.open_gap = None
            self.stats.gaps_healed += 1
        self.need_resync = bool(self.buffer)
        self.next_resync = time.monotonic() + 0.1

    # -- what the board looks like to this client
    def settled(self, head):
        return (self.connected and self.joined and self.seq == head and not self.buffer
                and not self.need_resync)

    def columns(self):
        with self.lock:
            cards = [dict(c) for c in self.items.values()]
        out = {}
        for card in cards:
            column = "trash" if card.get("deleted") else card["state"]
            out.setdefault(column, []).append(card)
        return {column: [card_key(c) for c in sorted(cards_, key=lambda c: (c["rank"], c["id"]))]
                for column, cards_ in out.items()}


# ---------------------------------------------------------------- writers

@dataclass
class OpStats:
    ops: int = 0
    by_kind: dict = field(default_factory=dict)  # kind -> {status: count}
    errors: list = field(default_factory=list)  # unexpected answers
    cut: list = field(default_factory=list)  # (method, path, body, key, token, error) of writes cut off

    def count(self, kind, status):
        by = self.by_kind.setdefault(kind, {})
        by[status] = by.get(status, 0) + 1


class Actor(threading.Thread):
    """Seeded random writes through the HTTP API, against a random URL of
    ``urls`` each time. Knows the board from a GET every few operations, so
    many of its writes are stale on purpose (409s, 422s are fine)."""

    def __init__(self, name, world, urls, rng, budget, stats, stop, pace=(0.0, 0.03), idempotent=False):
        super().__init__(name=f"actor-{name}", daemon=True)
        # ``urls`` is shared with the Run: a fault test removes a dead process from it.
        self.user, self.world, self.urls, self.rng = name, world, urls, rng
        self.role = world.roles[name]
        self.budget, self.stats, self.stop_event, self.pace = budget, stats, stop, pace
        self.idempotent = idempotent
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {world.tokens[name]}"
        self.known = {}  # id -> item as last read
        self.n = 0
        self.lock = threading.Lock()

    def _call(self, kind, method, path, body=None):
        url = self.rng.choice(self.urls)
        headers = {}
        key = None
        if self.idempotent:
            key = f"{self.user}-{uuid.uuid4().hex}"
            headers["Idempotency-Key"] = key
        try:
            r = self.session.request(method, f"{url}/api/v1{path}", json=body, headers=headers, timeout=10)
        except requests.RequestException as exc:
            self.stats.count(kind, "conn-error")
            if method != "GET":
                with self.lock:
                    self.stats.cut.append((method, path, body, key, self.world.tokens[self.user], repr(exc)))
            return None
        self.stats.count(kind, r.status_code)
        if r.status_code >= 500 and r.status_code != 503:
            self.stats.errors.append(f"{method} {path} -> {r.status_code} {r.text[:300]}")
        if r.status_code in (200, 201) and r.headers.get("content-type", "").startswith("application/json"):
            data = r.json()
            if isinstance(data, dict) and "id" in data and "version" in data:
                self.known[data["id"]] = data
            return data
        return None

    def refresh(self):
        board = None
        try:
            board = get_board([self.rng.choice(self.urls)], self.world.tokens[self.user], self.world.group_id)
        except Exception:  # noqa: BLE001
            board = None
        if board:
            self.known = {i["id"]: i for c in board["columns"] for i in c["items"]}

    def run(self):
        self.refresh()
        while not self.stop_event.is_set() and self.n < self.budget:
            if self.n % 5 == 0:
                self.refresh()
            self.one()
            self.n += 1
            self.stats.ops += 1
            low, high = self.pace
            if high:
                time.sleep(self.rng.uniform(low, high))

    def _pick(self, pred=lambda i: True, anchor=False):
        """A random known card matching ``pred``; the worn cards are only ever anchors."""
        choices = sorted((i for i in self.known.values()
                          if pred(i) and (anchor or not i["title"].startswith("Worn"))), key=lambda i: i["id"])
        return self.rng.choice(choices) if choices else None

    def one(self):
        rng = self.rng
        kinds = ["create", "move", "move", "reorder", "reorder", "squeeze", "squeeze", "squeeze", "edit", "edit",
                 "stale_edit", "comment", "trash", "restore"]
        if self.role == "lead":
            kinds += ["claim", "unclaim", "approve_move"]
        # Each actor starts with two squeezes: with the seeded worn gap, a column.rebalanced every run.
        kind = "squeeze" if self.n < 2 else rng.choice(kinds)
        live = lambda i: not i.get("deleted")  # noqa: E731
        if kind == "create" or not self.known:
            self._call("create", "POST", f"/groups/{self.world.group_id}/items",
                       {"title": f"{self.user} #{self.n} {rng.randrange(10**6)}", "resource_type": "video"})
        elif kind == "move":
            item = self._pick(lambda i: live(i) and i["state"] in ("proposed", "in_review"))
            if item is None:
                return
            target = "in_review" if item["state"] == "proposed" else "proposed"
            body = {"state": target}
            if target == "proposed" and self.role == "lead" and item["author"]["username"] != self.user:
                body["comment"] = "À revoir"
            anchor = self._pick(lambda i: live(i) and i["state"] == target and i["id"] != item["id"], anchor=True)
            if anchor is not None and rng.random() < 0.6:
                body["before_id" if rng.random() < 0.5 else "after_id"] = anchor["id"]
            self._call("move", "POST", f"/items/{item['id']}/move", body)
        elif kind == "approve_move":
            item = self._pick(lambda i: live(i) and i["state"] == "in_review")
            if item is None:
                return
            self._call("move", "POST", f"/items/{item['id']}/move", {"state": "approved"})
        elif kind == "reorder":
            item = self._pick(live)
            if item is None:
                return
            anchor = self._pick(lambda i: live(i) and i["state"] == item["state"] and i["id"] != item["id"],
                                anchor=True)
            if anchor is None:
                return
            side = "before_id" if rng.random() < 0.5 else "after_id"
            self._call("reorder", "POST", f"/items/{item['id']}/move", {side: anchor["id"]})
        elif kind == "squeeze":
            # Always into the gap after the top card of "proposed": that gap halves each time,
            # until the column must be rebalanced (column.rebalanced).
            column = sorted((i for i in self.known.values() if live(i) and i["state"] == "proposed"),
                            key=lambda i: (i["rank"], i["id"]))
            movable = [i for i in column[2:] if not i["title"].startswith("Worn")]
            if len(column) < 3 or not movable:
                return
            top = next((i for i in column if i["title"].startswith("Worn 0")), column[0])
            item = rng.choice(movable)
            self._call("squeeze", "POST", f"/items/{item['id']}/move", {"after_id": top["id"]})
        elif kind in ("edit", "stale_edit"):
            item = self._pick(lambda i: live(i) and i["state"] in ("proposed", "in_review", "approved"), anchor=True)
            if item is None:
                return
            version = item["version"] - 1 if kind == "stale_edit" and item["version"] > 1 else item["version"]
            if kind == "stale_edit" and item["version"] <= 1:
                # A version the item cannot have reached: +5 once matched an item edited five
                # times since this actor last saw it, and the "stale" edit was rightly accepted.
                version = item["version"] + 1_000_000
            self._call(kind, "PATCH", f"/items/{item['id']}",
                       {"title": f"{item['title'].split(' ~')[0]} ~{self.user}{self.n}", "version": version})
        elif kind == "comment":
            item = self._pick(live, anchor=True)
            if item is not None:
                self._call("comment", "POST", f"/items/{item['id']}/comments", {"body": f"Note {self.n}"})
        elif kind == "trash":
            item = self._pick(live)
            if item is not None:
                self._call("trash", "DELETE", f"/items/{item['id']}")
        elif kind == "restore":
            item = self._pick(lambda i: i.get("deleted"))
            if item is not None:
                self._call("restore", "POST", f"/items/{item['id']}/restore")
        elif kind == "claim":
            item = self._pick(lambda i: live(i) and i["state"] == "in_review")
            if item is not None:
                self._call("claim", "POST", f"/items/{item['id']}/claim")
        elif kind == "unclaim":
            me = self.world.user_ids[self.user]
            item = self._pick(lambda i: i.get("claimed_by_id") == me)
            if item is not None:
                self._call("unclaim", "DELETE", f"/items/{item['id']}/claim")


class Chaos(threading.Thread):
    """Drops a random client's socket for 0.5–3 s, every ``every`` seconds or so."""

    def __init__(self, clients, rng, stop, every=(0.2, 0.8), hold=(0.5, 3.0)):
        super().__init__(name="chaos", daemon=True)
        self.clients, self.rng, self.stop_event, self.every, self.hold = clients, rng, stop, every, hold

    def run(self):
        while not self.stop_event.wait(self.rng.uniform(*self.every)):
            client = self.rng.choice(self.clients)
            if client.connected:
                client.drop(self.rng.uniform(*self.hold))


# ---------------------------------------------------------------- one run

@dataclass
class Report:
    seed: int
    ops: int = 0
    events: int = 0
    applied: int = 0
    drops: int = 0
    gaps: int = 0
    gaps_healed: int = 0
    resyncs: int = 0
    heads_ahead: int = 0
    heads: int = 0  # board.head heartbeats received
    rebalances: int = 0  # column.rebalanced events (as one client applied them)
    lost: int = 0  # events thrown away by the clients on purpose
    more_pages: int = 0  # resync answers with has_more
    failovers: int = 0
    head: int = 0
    mismatches: list = field(default_factory=list)
    protocol_errors: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    settle_seconds: float = 0.0

    def line(self, label=""):
        return (f"{label}seed={self.seed} ops={self.ops} events={self.events} applied={self.applied} "
                f"drops={self.drops} lost={self.lost} gaps={self.gaps} healed={self.gaps_healed} resyncs={self.resyncs} more_pages={self.more_pages} "
                f"rebalanced={self.rebalances} heads={self.heads} heads_ahead={self.heads_ahead} failovers={self.failovers} head={self.head} "
                f"mismatches={len(self.mismatches)} protocol_errors={len(self.protocol_errors)} "
                f"5xx={len(self.server_errors)} time={self.seconds:.1f}s settle={self.settle_seconds:.1f}s")


class Run:
    """One seed: clients on ``urls`` (each starting on a different one, failing
    over along the others), ``actors`` writers, a chaos thread."""

    def __init__(self, world, urls, seed, clients=4, actors=4, ops=150, chaos=True, pace=(0.0, 0.03),
                 idempotent=False, lose=0.03, late=2, client_class=None):
        self.world, self.urls, self.seed = world, list(urls), seed
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.opstats = OpStats()
        names = world.names()
        self.viewer = names[0]
        self.clients = []
        for i in range(clients):
            name = names[i % len(names)]
            ring = self.urls[i % len(self.urls):] + self.urls[:i % len(self.urls)]
            self.clients.append((client_class or BoardClient)(f"{name}/{i}", ring, world.tokens[name], world.group_id, lose=lose,
                                            rng=random.Random(f"{seed}-client-{i}")))
        # Late joiners: they read the board while the writers write (the snapshot's seq
        # must be read before its cards), then keep up like the others.
        self.late = []
        for i in range(clients, clients + late):
            name = names[i % len(names)]
            ring = self.urls[i % len(self.urls):] + self.urls[:i % len(self.urls)]
            self.late.append((client_class or BoardClient)(f"{name}/{i}-late", ring, world.tokens[name], world.group_id, lose=lose,
                                         rng=random.Random(f"{seed}-client-{i}")))
        self.late_after = max(1, min(ops // 3, 40))
        writer_names = [names[i % len(names)] for i in range(actors)]
        per = max(1, ops // actors)
        self.actors = [Actor(n, world, self.urls, random.Random(f"{seed}-{i}"), per, self.opstats, self.stop_event,
                             pace=pace, idempotent=idempotent)
                       for i, n in enumerate(writer_names)]
        self.chaos = Chaos(self.clients, random.Random(f"{seed}-chaos"), self.stop_event) if chaos else None
        self.started = None

    def start(self):
        self.started = time.monotonic()
        for client in self.clients:
            client.start()
        # Every client is on the board before the first write, so the test also covers live delivery.
        wait_for(lambda: all(c.joined for c in self.clients), timeout=15)
        for actor in self.actors:
            actor.start()
        if self.chaos:
            self.chaos.start()
        if self.late:
            threading.Thread(target=self._start_late, name="late-joiners", daemon=True).start()
        return self

    def _start_late(self):
        wait_for(lambda: self.opstats.ops >= self.late_after or self.stop_event.is_set(), timeout=60)
        for client in self.late:
            if self.stop_event.is_set():
                break
            try:
                client.start()
            except Exception as exc:  # noqa: BLE001 - the board could not be read (a fault test's outage)
                client.stats.protocol_errors.append(f"late start: {exc!r}")
                continue
            self.clients.append(client)  # the chaos thread may drop it from now on

    def stop_actors(self, timeout=20):
        """Tell the writers (and the chaos) to stop now; True when they did."""
        self.stop_event.set()
        return self.wait_actors(timeout)

    def wait_actors(self, timeout=60):
        deadline = time.monotonic() + timeout
        for actor in self.actors:
            actor.join(max(0.1, deadline - time.monotonic()))
        self.stop_event.set()  # stops the chaos too
        if self.chaos:
            self.chaos.join(5)
        return not any(a.is_alive() for a in self.actors)

    def head(self):
        board = get_board(self.urls, self.world.tokens[self.viewer], self.world.group_id)
        return board_head(board) if board else None

    def quiesce(self, timeout=15):
        """Wait until every client is connected, joined and at the server's head."""
        t0 = time.monotonic()

        def settled():
            head = self.head()
            return head is not None and all(c.settled(head) for c in self.clients)

        ok = wait_for(settled, timeout=timeout, interval=0.1)
        return bool(ok), time.monotonic() - t0

    def compare(self):
        """Differences between each client's board and a fresh GET: ``[str]``."""
        board = get_board(self.urls, self.world.tokens[self.viewer], self.world.group_id)
        if board is None:
            return ["no server answered GET board"]
        truth = board_columns(board)
        out = []
        for client in self.clients:
            mine = client.columns()
            for column in sorted(set(truth) | set(mine)):
                want, got = truth.get(column, []), mine.get(column, [])
                if want != got:
                    out.append(f"{client.name} (seq {client.seq}, head {board_head(board)}) column {column}: "
                               f"{describe_diff(want, got)}")
        return out

    def stop(self):
        self.stop_event.set()
        for client in self.clients:
            client.stop()

    def report(self, mismatches, settle_seconds=0.0):
        r = Report(self.seed, ops=self.opstats.ops, mismatches=mismatches, settle_seconds=settle_seconds,
                   server_errors=list(self.opstats.errors), statuses=self.opstats.by_kind,
                   seconds=time.monotonic() - self.started, head=self.head() or 0)
        for c in self.clients:
            s = c.stats
            r.events += s.events
            r.applied += s.applied
            r.drops += s.drops
            r.gaps += s.gaps
            r.gaps_healed += s.gaps_healed
            r.resyncs += s.resyncs
            r.heads_ahead += s.heads_ahead
            r.heads += s.heads
            r.lost += s.lost
            r.more_pages += s.more_pages
            r.rebalances = max(r.rebalances, s.rebalances)
            r.failovers += s.failovers
            r.protocol_errors += [f"{c.name}: {e}" for e in s.protocol_errors]
        return r


def describe_diff(want, got):
    """What differs between two columns of cards (see ``card_key``), briefly."""
    w, g = {c[0]: c[1:] for c in want}, {c[0]: c[1:] for c in got}
    parts = []
    missing, extra = sorted(set(w) - set(g)), sorted(set(g) - set(w))
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"extra {extra}")
    stale = [f"{i}: has {g[i]} != server {w[i]} (version, title, claimed_by_id, comment_count)"
             for i in sorted(set(w) & set(g)) if w[i] != g[i]]
    if stale:
        parts.append("stale " + "; ".join(stale[:5]))
    if not parts:
        parts.append(f"order {[c[0] for c in got]} != {[c[0] for c in want]}")
    return ", ".join(parts)


def run_seed(world, urls, seed, quiesce_timeout=15, **kwargs):
    """A whole seed: start, let the actors finish, quiesce, compare. A ``Report``."""
    run = Run(world, urls, seed, **kwargs).start()
    try:
        run.wait_actors()
        ok, settle = run.quiesce(quiesce_timeout)
        mismatches = run.compare()
        if not ok:
            heads = ", ".join(f"{c.name}: seq {c.seq} connected={c.connected} buffer={sorted(c.buffer)[:5]}"
                              for c in run.clients)
            mismatches = [f"not quiescent within {quiesce_timeout}s (head {run.head()}; {heads})"] + mismatches
        return run.report(mismatches, settle)
    finally:
        run.stop()
