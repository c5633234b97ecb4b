"""The caller's notifications: list, unread count, mark read, preferences."""
from flask import jsonify, request

from ..schemas.inputs import NotificationsQueryIn
from ..schemas.reviews import PreferencesIn
from ..services import notifications as notes
from .blueprint import bp
from .common import caller, json_body, read_only


@bp.get("/notifications")
def list_notifications():
    user = caller()
    args = NotificationsQueryIn().load(request.args.to_dict())
    items = notes.list_notifications(user, unread_only=args["unread"] in ("1", "true"),
                                     limit=args["limit"], before_id=args["before"])
    return jsonify({"notifications": [notes.dump_notification(n) for n in items],
                    "unread": notes.unread_count(user)})


@bp.get("/notifications/unread")
@read_only
def unread_count():
    """The bell's figures: unread notifications, and for a lead how many items wait in their queue."""
    from ..services.reviews import queue_size

    user = caller()
    return jsonify({"unread": notes.unread_count(user), "reviews": queue_size(user)})


@bp.post("/notifications/<int:notification_id>/read")
def mark_read(notification_id):
    user = caller()
    note = notes.mark_read(user, notification_id)
    return jsonify({"notification": notes.dump_notification(note), "unread": notes.unread_count(user)})


@bp.post("/notifications/read-all")
def mark_all_read():
    user = caller()
    count = notes.mark_all_read(user)
    return jsonify({"marked": count, "unread": 0})


@bp.get("/notifications/preferences")
def get_preferences():
    return jsonify(notes.preferences(caller()))


@bp.put("/notifications/preferences")
def set_preferences():
    user = caller()
    data = PreferencesIn().load(json_body())
    return jsonify(notes.set_preferences(user, data["email"], data.get("daily_digest")))
