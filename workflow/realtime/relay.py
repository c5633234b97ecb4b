"""The board relay: what reaches this process's sockets comes from the committed
board log, in seq order (docs/realtime.md, "The board log").

Each process keeps, for every board it has sockets on, the last seq it delivered.
Events arrive three ways, and whichever comes first wins:

- from this process's own commits (``committed``, a sink of the publisher);
- from the other processes' commits, through Redis (``<SOCKETIO_CHANNEL>:board``) —
  the fast path only: a message that does not follow the last delivered seq makes
  the relay read the missing events from the database first;
- from the database itself: every ``BOARD_POLL_INTERVAL`` seconds the relay reads
  the heads of its boards (``groups.last_seq``) and delivers what it has not, so
  events committed while Redis was away, or by a process that died before it could
  publish, still arrive within a second.

Every ``BOARD_HEARTBEAT`` seconds each board's room gets ``board.head`` with the
head, so a client can tell it missed something and resync by itself.

The relay also checks the open connections against the accounts every
``SOCKET_AUTH_RECHECK`` seconds and at once when a service says a person's
sessions changed (logout, token revoked, account deactivated…), on every process
through the same channel: a socket whose session or token ended is disconnected.
"""
import json
import logging
import queue
import threading
import uuid
from collections import Counter

import redis
import socketio as socketio_lib
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

log = logging.getLogger(__name__)

MAX_CATCH_UP = 1000  # events read from the log at once for one board


def group_room(group_id):
    return f"group:{group_id}"


def socket_message(event):
    """A committed event (``services.common.event_message``) as a board's sockets receive it."""
    message = dict(event.get("payload") or {})
    message.update({"event_id": event["id"], "seq": event.get("seq"), "type": event["type"],
                    "group_id": event["group_id"], "actor": event["actor"], "created_at": event["created_at"]})
    if event["item_id"] is not None or "item_id" not in message:
        message["item_id"] = event["item_id"]  # (a purge names its item in its payload only)
    return message


class BoardRelay:
    def __init__(self, app, server_ext, *, redis_url=None, channel="relais", poll_interval=1.0,
                 heartbeat=2.0, auth_recheck=1.0):
        self.app = app
        # This app's Socket.IO server (the extension object is shared: a later app
        # in the same process, as in tests, rebinds it to its own server).
        self.server = server_ext.server
        self.node = uuid.uuid4().hex
        self.channel = f"{channel}:board"
        self.poll_interval = float(poll_interval or 0)
        self.heartbeat = float(heartbeat or 0)
        self.auth_recheck = float(auth_recheck or 0)
        self.delivered = {}  # group id -> last seq delivered to this process's sockets
        self.connections = {}  # sid -> (user id, session generation or None, token digest or None)
        self.stats = Counter()
        self._locks = {}
        self._locks_guard = threading.Lock()
        self._stop = threading.Event()
        self._started = False
        self._publisher_started = False
        self._outbox = queue.Queue(maxsize=10000)
        self.redis = (redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=1,
                                           health_check_interval=10) if redis_url else None)

    # ---------------------------------------------------------------- plumbing

    def _lock(self, group_id):
        with self._locks_guard:
            return self._locks.setdefault(group_id, threading.Lock())

    def _manager(self):
        return self.server.manager

    def local_groups(self):
        """The boards this process has sockets on (rooms ``group:<id>`` with members)."""
        rooms = self._manager().rooms.get("/", {})
        for _ in range(5):
            try:
                return {int(name[6:]) for name, members in list(rooms.items())
                        if isinstance(name, str) and name.startswith("group:") and members}
            except RuntimeError:  # the rooms changed while we read them
                continue
        return set()

    def _emit_local(self, event, data, room):
        # The base manager's emit reaches this process's sockets only (the Redis
        # manager's would publish to every process, which run their own relays).
        socketio_lib.Manager.emit(self._manager(), event, data, namespace="/", room=room)

    def _deliver(self, event):
        self._emit_local(event["type"], socket_message(event), group_room(event["group_id"]))
        self.stats["delivered"] += 1

    def _catch_up(self, group_id, last, upto):
        """Deliver the board's events with ``last < seq <= upto`` read from the log, in
        order; the log is complete, so a seq it lacks (an event purged with its item)
        is passed over. Returns the new last delivered seq."""
        upto = min(upto, last + MAX_CATCH_UP)
        for event in self._fetch(group_id, last, upto):
            self._deliver(event)
        return upto

    def _fetch(self, group_id, after, upto):
        """The board's events with ``after < seq <= upto`` from the log, as messages."""
        from ..extensions import db
        from ..models import Event
        from ..services.unit_of_work import event_message

        upto = min(upto, after + MAX_CATCH_UP)
        rows = db.session.scalars(
            select(Event).where(Event.group_id == group_id, Event.seq > after, Event.seq <= upto)
            .options(joinedload(Event.actor)).order_by(Event.seq))
        self.stats["fetched_from_log"] += 1
        return [event_message(row, row.actor) for row in rows]

    def _deliver_range(self, group_id, last, events):
        """Deliver ``events`` (sorted) that follow ``last``, stopping at a hole; returns the new last."""
        for event in events:
            if event["seq"] <= last:
                continue
            if event["seq"] != last + 1:
                break
            self._deliver(event)
            last = event["seq"]
        return last

    # ---------------------------------------------------------------- events in

    def committed(self, event):
        """Sink of the publisher: an event this process just committed."""
        if event.get("group_id") is None or event.get("seq") is None:
            return
        self.offer(event["group_id"], [event])
        if self.redis is not None:
            self._start_publisher()
            try:
                self._outbox.put_nowait({"node": self.node, "kind": "events", "group_id": event["group_id"],
                                         "events": [event]})
            except queue.Full:
                self.stats["publish_dropped"] += 1  # the others' poll will bring it

    def offer(self, group_id, events):
        """Deliver ``events`` of a board in seq order after what was delivered,
        reading any missing ones from the log first (needs an app context)."""
        if group_id not in self.local_groups():
            self.delivered.pop(group_id, None)
            return
        with self._lock(group_id):
            events = sorted(events, key=lambda e: e["seq"])
            last = self.delivered.get(group_id)
            if last is None:
                last = events[0]["seq"] - 1  # a board we just started showing: from here on
            for event in events:
                if event["seq"] > last + 1:
                    try:
                        last = self._catch_up(group_id, last, event["seq"] - 1)
                    except Exception:  # noqa: BLE001 - the database is away: the poll will retry
                        log.warning("board %s: cannot read seq %s..%s from the log", group_id, last + 1,
                                    event["seq"] - 1, exc_info=True)
                        break
                    self.stats["gaps_filled"] += 1
                last = self._deliver_range(group_id, last, [event])
            self.delivered[group_id] = last

    def poll_once(self, heartbeat=False):
        """Read the heads of the boards shown here and deliver what is missing;
        with ``heartbeat``, tell each board's room its head. Needs an app context."""
        from ..extensions import db
        from ..models import Group

        groups = self.local_groups()
        for group_id in list(self.delivered):
            if group_id not in groups:
                self.delivered.pop(group_id, None)
        if not groups:
            return
        heads = dict(db.session.execute(select(Group.id, Group.last_seq).where(Group.id.in_(groups))).all())
        for group_id, head in heads.items():
            with self._lock(group_id):
                last = self.delivered.get(group_id)
                if last is None:
                    self.delivered[group_id] = head
                elif head > last:
                    self.stats["healed_by_poll"] += 1
                    self.delivered[group_id] = self._catch_up(group_id, last, head)
                if heartbeat:
                    self._emit_local("board.head", {"group_id": group_id, "seq": head}, group_room(group_id))

    # ---------------------------------------------------------------- sessions

    def register(self, sid, user_id, generation=None, token_digest=None):
        self.connections[sid] = (user_id, generation, token_digest)

    def forget(self, sid):
        self.connections.pop(sid, None)

    def recheck(self, user_ids=None):
        """Disconnect this process's sockets whose account is inactive, whose
        session ended (logout, password change) or whose token was revoked or
        expired. Needs an app context."""
        from ..extensions import db
        from ..models import ApiToken, User, utcnow

        connections = {sid: c for sid, c in list(self.connections.items())
                       if user_ids is None or c[0] in user_ids}
        if not connections:
            return
        users = {row.id: row for row in db.session.execute(
            select(User.id, User.active, User.session_generation)
            .where(User.id.in_({c[0] for c in connections.values()})))}
        digests = {c[2] for c in connections.values() if c[2]}
        valid = set(db.session.scalars(
            select(ApiToken.token_hash).where(ApiToken.token_hash.in_(digests), ApiToken.revoked_at.is_(None),
                                              or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()))
        )) if digests else set()
        for sid, (user_id, generation, digest) in connections.items():
            user = users.get(user_id)
            ended = (user is None or not user.active
                     or (digest is not None and digest not in valid)
                     or (digest is None and generation is not None and user.session_generation != generation))
            if ended:
                self.forget(sid)
                self.stats["sessions_ended"] += 1
                try:
                    self.server.disconnect(sid, namespace="/")
                except Exception:  # noqa: BLE001 - already gone
                    log.debug("disconnecting %s failed", sid, exc_info=True)

    def sessions_changed(self, user_id):
        """A service changed ``user_id``'s sessions or tokens (after its commit):
        end the sockets that lost their right here, and tell the other processes."""
        self.recheck({user_id})
        if self.redis is not None:
            self._start_publisher()
            try:
                self._outbox.put_nowait({"node": self.node, "kind": "sessions", "user_id": user_id})
            except queue.Full:
                self.stats["publish_dropped"] += 1

    # ---------------------------------------------------------------- threads

    def start(self):
        """Start (once) the poll/heartbeat loop — unless ``BOARD_POLL_INTERVAL`` is 0,
        as in tests, which call ``poll_once`` themselves — and, with Redis, the
        listener and the publisher."""
        if self._started:
            return
        self._started = True
        if self.poll_interval > 0:
            self.server.start_background_task(self._run)
        if self.redis is not None:
            self.server.start_background_task(self._listen)
            self._start_publisher()

    def _start_publisher(self):
        """The thread that hands this process's events to Redis (off the request:
        a Redis outage must not slow a write down)."""
        with self._locks_guard:
            if self._publisher_started:
                return
            self._publisher_started = True
        self.server.start_background_task(self._publish_loop)

    def stop(self):
        self._stop.set()

    def _in_app(self, fn, *args):
        from ..extensions import db

        with self.app.app_context():
            try:
                return fn(*args)
            finally:
                db.session.remove()

    def _run(self):
        since_heartbeat = since_recheck = 0.0
        while not self._stop.is_set():
            self._stop.wait(self.poll_interval)
            since_heartbeat += self.poll_interval
            since_recheck += self.poll_interval
            beat = bool(self.heartbeat) and since_heartbeat >= self.heartbeat
            if beat:
                since_heartbeat = 0.0
            try:
                self._in_app(self.poll_once, beat)
            except Exception:  # noqa: BLE001 - the database is away: next tick
                self.stats["poll_failed"] += 1
                log.warning("board relay: poll failed", exc_info=self.stats["poll_failed"] == 1)
            if self.auth_recheck and since_recheck >= self.auth_recheck:
                since_recheck = 0.0
                try:
                    self._in_app(self.recheck)
                except Exception:  # noqa: BLE001
                    log.debug("board relay: session recheck failed", exc_info=True)

    def _publish_loop(self):
        while not self._stop.is_set():
            try:
                message = self._outbox.get(timeout=1.0)
            except queue.Empty:
                continue
            try:
                self.redis.publish(self.channel, json.dumps(message, default=str))
            except Exception:  # noqa: BLE001 - Redis is away: the log is the copy that counts
                self.stats["publish_failed"] += 1

    def _listen(self):
        backoff = 0.2
        while not self._stop.is_set():
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                backoff = 0.2
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._handle(message.get("data"))
            except Exception:  # noqa: BLE001 - Redis is away: retry, the poll covers meanwhile
                self.stats["listen_failed"] += 1
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _handle(self, data):
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            return
        if not isinstance(message, dict) or message.get("node") == self.node:
            return
        try:
            if message.get("kind") == "events" and message.get("events"):
                self._in_app(self.offer, int(message["group_id"]), message["events"])
            elif message.get("kind") == "sessions":
                self._in_app(self.recheck, {int(message["user_id"])})
        except Exception:  # noqa: BLE001 - one bad message must not stop the listener
            log.warning("board relay: cannot handle a message", exc_info=True)


def get_relay(app=None):
    from flask import current_app

    return (app or current_app).extensions["relais_relay"]


def sessions_changed(user_id):
    """Services call this after committing a change to ``user_id``'s sessions or tokens."""
    from flask import current_app

    relay = current_app.extensions.get("relais_relay")
    if relay is not None:
        relay.sessions_changed(user_id)
