"""Due dates on the calendar: the markers of the items to be ready on each day."""
from flask import current_app, jsonify, request

from ..schemas.calendar import DueOut, DueQueryIn
from ..services import calendar as calendar_service
from .blueprint import bp
from .common import caller


@bp.get("/calendar/due")
def calendar_due():
    """Items due between ``from`` and ``to`` (local days), not yet approved."""
    user = caller()
    q = DueQueryIn().load(request.args.to_dict())
    tz = current_app.config["DEFAULT_TIMEZONE"]
    items = calendar_service.due_window(user, q["start"], q["end"], group_id=q.get("group"),
                                        resource_type=q.get("type"), tz=tz)
    return jsonify(DueOut().dump({"start": q["start"], "end": q["end"], "time_zone": tz, "items": items}))
