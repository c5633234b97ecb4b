"""Who is connected, who is looking at which board and who is editing which
card.

Presence is tracked per socket (``sid``): a person with two tabs open stays a
viewer until both are closed, and is listed once.

``Presence`` keeps it in this process's memory, which is all one process
needs. With several processes (``REDIS_URL`` set), ``RedisPresence`` keeps the
same record and also mirrors each socket's boards and open card into Redis,
so that a board lists its viewers whichever process they are connected to.
A process that dies cannot say goodbye: each one refreshes a heartbeat key
that expires after ``PRESENCE_TTL`` seconds, the entries of a process whose
heartbeat is gone are ignored at once, and the next heartbeat of a process
still showing that board removes them and announces the change."""
import json
import logging
import threading
import uuid

import redis

log = logging.getLogger(__name__)


def user_brief(user):
    """``{"id", "username", "display_name"}`` — the protocol's ``user``."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def listing(entries):
    """``{"viewers": [user], "editing": {"<item_id>": [user]}}`` from
    ``(user, item_id or None)`` pairs, one per socket: each person once, by username."""
    viewers, editing = {}, {}
    for user, item_id in entries:
        viewers[user["id"]] = user
        if item_id is not None:
            editing.setdefault(str(item_id), {})[user["id"]] = user
    by_name = lambda u: (u["username"], u["id"])  # noqa: E731
    return {
        "viewers": sorted(viewers.values(), key=by_name),
        "editing": {item: sorted(users.values(), key=by_name) for item, users in sorted(editing.items())},
    }


class Presence:
    """In this process's memory, behind one lock. Subclasses mirror each change
    elsewhere through ``_stored`` / ``_forgotten``, called under the lock so
    that the copy sees the changes in the order they happened."""

    def __init__(self):
        self._lock = threading.Lock()
        self._connections = {}  # sid -> {"user": brief, "generation": int|None, "groups": {gid: item_id|None}}

    # ---------------------------------------------------------------- connections

    def connect(self, sid, user, generation=None):
        """Remember the socket's user (and, for a cookie login, the session
        generation it was opened with, so a later logout-everywhere ends it)."""
        with self._lock:
            self._connections[sid] = {"user": user_brief(user), "generation": generation, "groups": {}}

    def connection(self, sid):
        """``(user_id, generation)`` of the socket, or None if unknown."""
        with self._lock:
            conn = self._connections.get(sid)
            return (conn["user"]["id"], conn["generation"]) if conn else None

    def disconnect(self, sid):
        """Forget the socket; returns the ids of the groups whose presence changed."""
        with self._lock:
            conn = self._connections.pop(sid, None)
            if conn is None:
                return []
            self._forgotten(sid, list(conn["groups"]))
            return sorted(conn["groups"])

    # ---------------------------------------------------------------- boards

    def join(self, sid, group_id):
        with self._lock:
            conn = self._connections.get(sid)
            if conn is not None and group_id not in conn["groups"]:
                conn["groups"][group_id] = None
                self._stored(sid, conn, group_id)

    def leave(self, sid, group_id):
        """Returns True when the socket was viewing the group."""
        with self._lock:
            conn = self._connections.get(sid)
            if conn is None or group_id not in conn["groups"]:
                return False
            del conn["groups"][group_id]
            self._forgotten(sid, [group_id])
            return True

    def is_viewing(self, sid, group_id):
        with self._lock:
            conn = self._connections.get(sid)
            return conn is not None and group_id in conn["groups"]

    def set_editing(self, sid, group_id, item_id, editing):
        """The socket opened (``editing``) or closed the detail panel of
        ``item_id`` on ``group_id``. One open card per socket and board.
        Returns True when something changed."""
        with self._lock:
            conn = self._connections.get(sid)
            if conn is None or group_id not in conn["groups"]:
                return False
            before = conn["groups"][group_id]
            if editing:
                conn["groups"][group_id] = item_id
            elif before == item_id:
                conn["groups"][group_id] = None
            if conn["groups"][group_id] == before:
                return False
            self._stored(sid, conn, group_id)
            return True

    def snapshot(self, group_id):
        """``{"viewers": [user], "editing": {"<item_id>": [user]}}``, by username."""
        with self._lock:
            return listing(self._local_entries(group_id))

    def _local_entries(self, group_id):
        return [(conn["user"], conn["groups"][group_id])
                for conn in self._connections.values() if group_id in conn["groups"]]

    def _stored(self, sid, conn, group_id):
        """The socket joined ``group_id`` or changed its open card there."""

    def _forgotten(self, sid, group_ids):
        """The socket no longer views these groups."""


class RedisPresence(Presence):
    """Presence shared by every process through Redis.

    Each process keeps its own sockets in memory, as ``Presence`` does: a
    socket lives in the process that accepted it, so only that process ever
    asks for its user. What other processes need is in Redis, under ``prefix``:

    - ``<prefix>:process:<process id>`` exists while the process lives: it
      expires ``ttl`` seconds after the last heartbeat (every ``ttl`` / 3);
    - ``<prefix>:board:<group id>`` is a hash ``<process id>:<sid>`` →
      ``{"user": user, "item": item_id or null}``, one field per socket viewing
      the board, expiring when no live process refreshes it.

    A board's snapshot reads its hash and keeps the fields of live processes.
    Every heartbeat also makes Redis hold exactly this process's sockets
    (restoring what a Redis restart lost or a peer removed while this process
    looked dead, removing what a failed write left) and deletes the fields of
    dead processes on the boards it shows; ``on_change(group_ids)`` is then
    called for the boards whose presence changed that way, to announce them.

    When Redis is away, writes are skipped (the next heartbeat that reaches it
    writes everything again) and snapshots fall back to this process's sockets."""

    def __init__(self, client, prefix, ttl=15.0, on_change=None):
        super().__init__()
        self.redis = client
        self.prefix = prefix
        self.ttl = float(ttl)
        self.on_change = on_change
        self.process_id = uuid.uuid4().hex
        self._boards = set()  # boards where Redis may hold this process's fields
        self._in_sync = True  # False after a failed write: the next heartbeat rewrites everything
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread = None

    @classmethod
    def from_url(cls, url, prefix, ttl=15.0, on_change=None):
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=1)
        return cls(client, prefix, ttl, on_change)

    def _process_key(self, process_id):
        return f"{self.prefix}:process:{process_id}"

    def _board_key(self, group_id):
        return f"{self.prefix}:board:{group_id}"

    def _field(self, sid):
        return f"{self.process_id}:{sid}"

    @staticmethod
    def _value(conn, group_id):
        return json.dumps({"user": conn["user"], "item": conn["groups"][group_id]})

    # ---------------------------------------------------------------- writes

    def connect(self, sid, user, generation=None):
        super().connect(sid, user, generation)
        self.start()

    def _stored(self, sid, conn, group_id):
        self._boards.add(group_id)
        key = self._board_key(group_id)

        def commands(pipe):
            pipe.hset(key, self._field(sid), self._value(conn, group_id))
            pipe.pexpire(key, int(self.ttl * 1000))
        self._write(commands)

    def _forgotten(self, sid, group_ids):
        def commands(pipe):
            for group_id in group_ids:
                pipe.hdel(self._board_key(group_id), self._field(sid))
        self._write(commands)

    def _write(self, commands):
        """Run ``commands(pipeline)`` now, unless Redis failed since the last
        heartbeat: then don't wait for it on every event, the next heartbeat
        writes everything."""
        if not self._in_sync:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            commands(pipe)
            pipe.execute()
        except redis.RedisError as exc:
            self._in_sync = False
            log.warning("Presence not shared for now (Redis: %s); the next heartbeat retries", exc)

    # ---------------------------------------------------------------- reads

    def snapshot(self, group_id):
        with self._lock:
            local = self._local_entries(group_id)
            shared = self._in_sync
        if shared:
            try:
                return listing(self._shared_entries(group_id))
            except redis.RedisError as exc:
                log.warning("Presence of board %s from this process only (Redis: %s)", group_id, exc)
        return listing(local)

    def _shared_entries(self, group_id):
        by_process = {}
        for field, value in self.redis.hgetall(self._board_key(group_id)).items():
            by_process.setdefault(field.split(":", 1)[0], []).append(json.loads(value))
        alive = self._alive(by_process)
        return [(entry["user"], entry["item"]) for process_id in alive for entry in by_process[process_id]]

    def _alive(self, process_ids):
        """The processes among ``process_ids`` whose heartbeat has not expired."""
        others = sorted(set(process_ids) - {self.process_id})
        pipe = self.redis.pipeline(transaction=False)
        for process_id in others:
            pipe.exists(self._process_key(process_id))
        alive = {process_id for process_id, exists in zip(others, pipe.execute(), strict=False) if exists}
        return alive | ({self.process_id} & set(process_ids))

    # ---------------------------------------------------------------- heartbeat

    def start(self):
        """Beat once (so the heartbeat exists before this process's first entry),
        then every ``ttl`` / 3 seconds in a daemon thread. Started by the first
        socket, so a process that never holds one (a CLI command) never beats."""
        with self._start_lock:
            if self._thread is not None:
                return
            self.beat()
            self._thread = threading.Thread(target=self._beat_forever, name="relais-presence", daemon=True)
            self._thread.start()

    def stop(self):
        """Stop beating, leaving Redis as it is (as a crash would)."""
        self._stop.set()

    def _beat_forever(self):
        while not self._stop.wait(self.ttl / 3):
            changed = self.beat()
            if changed and self.on_change is not None:
                try:
                    self.on_change(changed)
                except Exception:  # the heartbeat must outlive a failed announcement
                    log.exception("Announcing the presence of boards %s failed", changed)

    def beat(self):
        """Refresh the heartbeat and bring Redis in line with this process's
        sockets; returns the ids of the boards whose shared presence changed."""
        with self._lock:
            try:
                changed = self._reconcile()
            except redis.RedisError as exc:
                self._in_sync = False
                log.warning("Presence heartbeat failed (Redis: %s)", exc)
                return []
            self._in_sync = True
            return changed

    def _reconcile(self):
        ttl_ms = int(self.ttl * 1000)
        mine = {}  # group id -> {field: value} of this process's sockets
        for sid, conn in self._connections.items():
            for group_id in conn["groups"]:
                mine.setdefault(group_id, {})[self._field(sid)] = self._value(conn, group_id)
        boards = sorted(self._boards | set(mine))

        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self._process_key(self.process_id), 1, px=ttl_ms)
        for group_id in boards:
            pipe.hkeys(self._board_key(group_id))
        stored = dict(zip(boards, pipe.execute()[1:], strict=False))
        alive = self._alive({field.split(":", 1)[0] for fields in stored.values() for field in fields})

        changed = []
        pipe = self.redis.pipeline(transaction=False)
        for group_id in boards:
            key, expected = self._board_key(group_id), mine.get(group_id, {})
            gone = [field for field in stored[group_id]
                    if field not in expected and (field.startswith(f"{self.process_id}:")
                                                  or field.split(":", 1)[0] not in alive)]
            missing = {field: value for field, value in expected.items() if field not in stored[group_id]}
            if gone:
                pipe.hdel(key, *gone)
            if expected:
                # All of them, not only the missing ones: after a failed write a value may be stale.
                pipe.hset(key, mapping=expected)
                pipe.pexpire(key, ttl_ms)
            if gone or missing or (expected and not self._in_sync):
                changed.append(group_id)
        pipe.execute()
        self._boards = set(mine)
        return changed


def get_presence(app=None):
    """The app's presence registry (per process, or shared through Redis)."""
    from flask import current_app

    return (app or current_app).extensions["relais_presence"]
