"""Socket.IO: authenticated connections, one room per board, events pushed
after commit. With REDIS_URL set, every process shares events through Redis."""
from ..extensions import socketio


def group_room(group_id):
    return f"group:{group_id}"


def init_app(app):
    kwargs = {"async_mode": app.config.get("SOCKETIO_ASYNC_MODE", "threading"),
              "cors_allowed_origins": app.config.get("SOCKETIO_CORS_ORIGINS") or None,
              "manage_session": False}
    if app.config.get("REDIS_URL"):
        kwargs["message_queue"] = app.config["REDIS_URL"]
        kwargs["channel"] = app.config.get("SOCKETIO_CHANNEL", "relais")
    socketio.init_app(app, **kwargs)

    from . import handlers  # noqa: F401  (registers the namespace)

    def emit_to_group(event):
        if event.get("group_id") is None:
            return
        message = dict(event["payload"])
        message.update({"event_id": event["id"], "type": event["type"], "group_id": event["group_id"],
                        "item_id": event["item_id"], "actor": event["actor"], "created_at": event["created_at"]})
        socketio.emit(event["type"], message, to=group_room(event["group_id"]))

    app.extensions["relais_publisher"].add_sink(emit_to_group)
