"""Socket.IO handlers (docs/realtime.md): connect with a session or a token,
join/leave a board, say which card one is editing, resync. Thin: visibility
and data come from the services; presence lives in ``presence.Presence``
(``RedisPresence``, shared by every process, when ``REDIS_URL`` is set).
Each handler releases its database session, since Flask-SQLAlchemy's teardown
does not run for sockets."""
import functools
import threading

from flask import current_app, request
from flask_babel import gettext
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import Namespace, join_room, leave_room, rooms

from ..domain.errors import N_, DomainError
from ..extensions import db, socketio
from ..i18n import translate_error, translate_title
from ..services.accounts import token_digest
from .relay import group_room
from .presence import get_presence
from .relay import get_relay
from .ratelimit import SocketRateLimiter, too_many


def _release_session(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            db.session.remove()
    return wrapper


def _ack_error(status, title, detail=""):
    return {"ok": False, "error": {"status": status, "title": title, "detail": detail}}


def _error(status, title, detail=""):
    """A handler's own refusal, in the reader's language: ``title`` and ``detail`` are
    msgids (``N_()`` at each call)."""
    return _ack_error(status, gettext(title), gettext(detail) if detail else "")


def _domain_error(exc):
    """A refusal as the socket's ack carries it, in the reader's language (the board shows it)."""
    return _ack_error(exc.status, translate_title(exc.title), translate_error(exc))


def unauthenticated():
    """The ack to a socket whose user is gone (logged out, deactivated)."""
    return _error(401, N_("Authentication required"), N_("Reconnect and log in."))


def _int(value):
    """``value`` when it is a plain int (not a bool) in a sane range, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def _payload(data, *names):
    data = data if isinstance(data, dict) else {}
    return [_int(data.get(name)) for name in names]


_pending_presence = set()
_pending_lock = threading.Lock()


def room_size(group_id):
    """The sockets of this process on the board."""
    return len(socketio.server.manager.rooms.get("/", {}).get(group_room(group_id)) or ())


def presence_delay(base, sockets):
    """How long a board's presence updates are gathered before one is sent: ``base``
    seconds, longer in proportion past 100 sockets. An update lists every viewer and
    goes to every socket, so its cost grows with the square of the board's audience:
    a thousand sockets opening a board get one every 2.5 s rather than four a second."""
    return base * max(1.0, sockets / 100) if base else base


def broadcast_presence(group_id):
    """Send the board's presence soon, coalescing bursts: when 200 people open a
    board at once, the room gets a handful of updates instead of 200 × 200.
    The snapshot is taken when sending, from the shared store when there is
    one, so the message carries every process's viewers; through the message
    queue it reaches the board's sockets on every process."""
    presence = get_presence()
    delay = presence_delay(current_app.config.get("PRESENCE_DELAY", 0.25), room_size(group_id))
    if not delay:
        socketio.emit("presence.updated", {"group_id": group_id, **presence.snapshot(group_id)},
                      to=group_room(group_id))
        return
    with _pending_lock:
        if group_id in _pending_presence:
            return
        _pending_presence.add(group_id)

    def flush():
        socketio.sleep(delay)
        with _pending_lock:
            _pending_presence.discard(group_id)
        socketio.emit("presence.updated", {"group_id": group_id, **presence.snapshot(group_id)},
                      to=group_room(group_id))

    socketio.start_background_task(flush)


def _evict():
    """The socket's user is gone (deactivated, logged out everywhere): it
    leaves every board so it receives nothing more, and its presence ends."""
    for room in rooms():
        if room != request.sid:
            leave_room(room)
    for group_id in get_presence().disconnect(request.sid):
        broadcast_presence(group_id)


def _user():
    """The socket's user if still allowed in, else None (and the socket is evicted)."""
    from ..models import User

    known = get_presence().connection(request.sid)
    if known is None:
        return None
    user_id, generation = known
    user = db.session.get(User, user_id)
    if user is None or not user.active or (generation is not None and user.session_generation != generation):
        _evict()
        return None
    return user


class BoardNamespace(Namespace):
    def __init__(self, namespace, limiter=None):
        super().__init__(namespace)
        self.limiter = limiter or SocketRateLimiter(rate=0)

    def trigger_event(self, event, *args):
        """Every event but connect/disconnect costs one token of the connection's
        bucket (workflow.realtime.ratelimit): over the limit it gets a 429 ack,
        and a connection that keeps going is disconnected."""
        sid = args[0] if args else None
        if event == "disconnect":
            self.limiter.forget(sid)
        elif event != "connect" and sid is not None:
            verdict = self.limiter.check(sid)
            if verdict in ("disconnect", "refused"):
                # Written in the event's request context, so in its reader's language.
                ack = self.socketio._handle_event(lambda *_args: too_many(), event, self.namespace, *args)
                if verdict == "disconnect":
                    self.limiter.forget(sid)
                    self.socketio.server.disconnect(sid, namespace=self.namespace)
                return ack
        return super().trigger_event(event, *args)

    @_release_session
    def on_connect(self, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        generation = None
        if token is not None:
            from ..services.accounts import user_for_token

            # A token connection is authenticated by its token alone, never by a cookie.
            user = user_for_token(token) if isinstance(token, str) else None
        elif current_user and current_user.is_authenticated:
            user = current_user._get_current_object()
            generation = user.session_generation
        else:
            user = None
        if user is None or not user.active:
            raise Refused("authentication required")
        get_presence().connect(request.sid, user, generation)
        relay = get_relay()
        relay.register(request.sid, user.id, generation, token_digest(token) if token is not None else None)
        relay.start()
        join_room(f"user:{user.id}")
        return True

    def on_disconnect(self, reason=None):
        get_relay().forget(request.sid)
        for group_id in get_presence().disconnect(request.sid):
            broadcast_presence(group_id)

    @_release_session
    def on_join(self, data):
        from ..services.queries import get_group

        user = _user()
        if user is None:
            return unauthenticated()
        (group_id,) = _payload(data, "group_id")
        if group_id is None:
            return _error(422, N_("Invalid input"), N_('join needs {"group_id": <integer>}.'))
        from ..services.queries import board_head, last_event_id

        try:
            group, _ = get_group(user, group_id)
        except DomainError as exc:
            return _domain_error(exc)
        # The head is read after joining the room: an event committed in between
        # is both above the head and delivered, never neither.
        join_room(group_room(group.id))
        head = board_head(group.id)
        if isinstance(data, dict) and data.get("watch") is True:
            # The calendar listens to the group's events without appearing on its board.
            return {"ok": True, "group_id": group.id, "seq": head, "last_event_id": last_event_id(group.id)}
        get_presence().join(request.sid, group.id)
        last_id = last_event_id(group.id)
        broadcast_presence(group.id)
        return {"ok": True, "group_id": group.id, "seq": head, "last_event_id": last_id,
                **get_presence().snapshot(group.id)}

    def on_leave(self, data):
        (group_id,) = _payload(data, "group_id")
        if group_id is None:
            return _error(422, N_("Invalid input"), N_('leave needs {"group_id": <integer>}.'))
        leave_room(group_room(group_id))
        if get_presence().leave(request.sid, group_id):
            broadcast_presence(group_id)
        return {"ok": True}

    @_release_session
    def on_editing(self, data):
        """The user opened (``editing: true``) or closed the detail panel of a
        card on a board they joined."""
        from ..domain.errors import NotFound
        from ..services.queries import item_detail

        user = _user()
        if user is None:
            return unauthenticated()
        group_id, item_id = _payload(data, "group_id", "item_id")
        editing = data.get("editing") if isinstance(data, dict) else None
        if group_id is None or item_id is None or not isinstance(editing, bool):
            return _error(422, N_("Invalid input"),
                          N_('editing needs {"group_id": int, "item_id": int, "editing": bool}.'))
        if not get_presence().is_viewing(request.sid, group_id):
            return _error(409, N_("Not on this board"), N_("Join the board before editing one of its cards."))
        try:
            item, _ = item_detail(user, item_id)
            if item.group_id != group_id:
                raise NotFound(N_("No item %(id)s on this board."), params={"id": item_id})
        except DomainError as exc:
            return _domain_error(exc)
        if get_presence().set_editing(request.sid, group_id, item_id, editing):
            broadcast_presence(group_id)
        return {"ok": True}

    @_release_session
    def on_resync(self, data):
        """Everything the client missed on a board it may see: the events with
        ``seq > since_seq`` in seq order (or, from an older client, ``id > since``)."""
        from ..schemas import EventOut
        from ..services.queries import board_events_since, events_since

        user = _user()
        if user is None:
            return unauthenticated()
        group_id, since_seq, since = _payload(data, "group_id", "since_seq", "since")
        if group_id is None or (since_seq is None and since is None):
            return _error(422, N_("Invalid input"), N_('resync needs {"group_id": int, "since_seq": int}.'))
        limit = current_app.config.get("EVENTS_PAGE_SIZE", 200)
        try:
            if since_seq is not None:
                events, more, head = board_events_since(user, group_id, since_seq, limit)
                return {"ok": True, "events": EventOut(many=True).dump(events), "has_more": more, "seq": head}
            events, more = events_since(user, since, group_id, limit)
        except DomainError as exc:
            return _domain_error(exc)
        return {"ok": True, "events": EventOut(many=True).dump(events), "has_more": more}


def register(socketio_ext, limiter=None):
    """Attach the handlers to the server ``socketio_ext.init_app`` just built.
    Called once per app: Flask-SocketIO only remembers namespaces registered
    before its first ``init_app``, so registering at import time would leave
    every later app (tests, a second instance) without handlers."""
    socketio_ext.on_namespace(BoardNamespace("/", limiter))
