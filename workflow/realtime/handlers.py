"""Socket.IO handlers: connect (session or token), join/leave a board, resync.
Thin: visibility and data come from the services. Each handler releases its
database session, since Flask-SQLAlchemy's teardown does not run for sockets."""
import functools

from flask import request
from flask_login import current_user
from flask_socketio import Namespace, join_room, leave_room
from flask_socketio import ConnectionRefusedError as Refused

from ..domain.errors import DomainError
from ..extensions import db, socketio
from . import group_room

# sid -> user id, for the lifetime of a connection (per process).
_users = {}


def _release_session(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            db.session.remove()
    return wrapper


def _user():
    from ..models import User

    user_id = _users.get(request.sid)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        return None
    return user


def _error(exc):
    return {"ok": False, "error": {"status": exc.status, "title": exc.title, "detail": exc.detail}}


class BoardNamespace(Namespace):
    @_release_session
    def on_connect(self, auth=None):
        user = None
        token = auth.get("token") if isinstance(auth, dict) else None
        if token:
            from ..services.accounts import user_for_token

            user = user_for_token(token)
        elif current_user and current_user.is_authenticated:
            user = current_user._get_current_object()
        if user is None or not user.active:
            raise Refused("authentication required")
        _users[request.sid] = user.id
        join_room(f"user:{user.id}")
        return True

    def on_disconnect(self, reason=None):
        _users.pop(request.sid, None)

    @_release_session
    def on_join(self, data):
        from ..services.queries import get_group

        user = _user()
        if user is None:
            return {"ok": False, "error": {"status": 401, "title": "Authentication required",
                                           "detail": "Reconnect and log in."}}
        group_id = data.get("group_id") if isinstance(data, dict) else None
        if not isinstance(group_id, int) or isinstance(group_id, bool):
            return {"ok": False, "error": {"status": 422, "title": "Invalid input",
                                           "detail": "join needs {\"group_id\": <integer>}."}}
        try:
            group, _ = get_group(user, group_id)
        except DomainError as exc:
            return _error(exc)
        join_room(group_room(group.id))
        return {"ok": True, "group_id": group.id}

    def on_leave(self, data):
        group_id = data.get("group_id") if isinstance(data, dict) else None
        if isinstance(group_id, int):
            leave_room(group_room(group_id))
        return {"ok": True}

    @_release_session
    def on_resync(self, data):
        """Everything the client missed since ``since`` on a group it may see."""
        from ..schemas import EventOut
        from ..services.queries import events_since

        user = _user()
        if user is None:
            return {"ok": False, "error": {"status": 401, "title": "Authentication required", "detail": ""}}
        data = data if isinstance(data, dict) else {}
        since, group_id = data.get("since", 0), data.get("group_id")
        if not isinstance(since, int) or not isinstance(group_id, int):
            return {"ok": False, "error": {"status": 422, "title": "Invalid input",
                                           "detail": "resync needs {\"group_id\": int, \"since\": int}."}}
        try:
            events, more = events_since(user, since, group_id, 1000)
        except DomainError as exc:
            return _error(exc)
        return {"ok": True, "events": EventOut(many=True).dump(events), "has_more": more}


socketio.on_namespace(BoardNamespace("/"))
