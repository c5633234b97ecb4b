"""Who is connected, who is looking at which board and who is editing which
card. Kept per process, in memory, behind one lock; the class is the seam to
move it to Redis later (same methods, shared storage).

Presence is tracked per socket (``sid``): a person with two tabs open stays a
viewer until both are closed, and is listed once."""
import threading


def user_brief(user):
    """``{"id", "username", "display_name"}`` — the protocol's ``user``."""
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


class Presence:
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
            return sorted(conn["groups"]) if conn else []

    # ---------------------------------------------------------------- boards

    def join(self, sid, group_id):
        with self._lock:
            conn = self._connections.get(sid)
            if conn is not None:
                conn["groups"].setdefault(group_id, None)

    def leave(self, sid, group_id):
        """Returns True when the socket was viewing the group."""
        with self._lock:
            conn = self._connections.get(sid)
            return conn is not None and conn["groups"].pop(group_id, False) is not False

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
            return conn["groups"][group_id] != before

    def snapshot(self, group_id):
        """``{"viewers": [user], "editing": {"<item_id>": [user]}}``, by username."""
        with self._lock:
            viewers, editing = {}, {}
            for conn in self._connections.values():
                if group_id not in conn["groups"]:
                    continue
                user = conn["user"]
                viewers[user["id"]] = user
                item_id = conn["groups"][group_id]
                if item_id is not None:
                    editing.setdefault(str(item_id), {})[user["id"]] = user
        by_name = lambda u: (u["username"], u["id"])  # noqa: E731
        return {
            "viewers": sorted(viewers.values(), key=by_name),
            "editing": {item: sorted(users.values(), key=by_name) for item, users in sorted(editing.items())},
        }


def get_presence(app=None):
    """The app's presence registry (one per app, so per process)."""
    from flask import current_app

    return (app or current_app).extensions["relais_presence"]
