"""The bell, live: after a notification is committed (or read), the person's
new unread count goes to their own room ``user:<id>`` — each socket joins it
on connect — and to nobody else."""
from ..extensions import socketio


def user_room(user_id):
    return f"user:{user_id}"


def emit_to_user(message):
    """Sink of the notification channel (services.notifications.notifier)."""
    user_id = message.get("user_id")
    if user_id is None:
        return
    data = {k: v for k, v in message.items() if k not in ("type", "user_id")}
    socketio.emit(message["type"], data, to=user_room(user_id))


def init_app(app):
    from ..services.notifications import notifier

    notifier(app).add_sink(emit_to_user)
    register(socketio)


def on_queue_watch(data=None):
    """The review queue page listens to the groups its lead leads — without
    joining their boards' presence."""
    from flask_socketio import join_room

    from ..extensions import db
    from ..services.reviews import led_group_ids
    from .relay import group_room
    from .handlers import _user, unauthenticated

    from flask import current_app, request

    from .ratelimit import too_many

    if current_app.extensions["relais_socket_limiter"].check(request.sid) != "ok":
        return too_many()  # (the board's own events disconnect a flooding socket)
    try:
        user = _user()
        if user is None:
            return unauthenticated()
        groups = led_group_ids(user)
        for group_id in groups:
            join_room(group_room(group_id))
        return {"ok": True, "group_ids": groups}
    finally:
        db.session.remove()


def register(socketio_ext):
    socketio_ext.on_event("queue.watch", on_queue_watch)
