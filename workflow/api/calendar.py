"""The publication calendar and the channels' rules (capacity, blackout dates)."""
from flask import current_app, jsonify, request

from ..i18n import current_locale
from ..schemas import ChannelOut
from ..schemas.calendar import (BlackoutIn, CalendarItemOut, CalendarOut, CalendarQueryIn, CapacityIn,
                                UnscheduledQueryIn)
from ..services import calendar as calendar_service
from ..services import channels as channel_service
from .blueprint import bp
from .common import caller, json_body


def _query(schema):
    return schema.load(request.args.to_dict())


@bp.get("/calendar")
def calendar_window():
    """Items scheduled or published between ``from`` (inclusive) and ``to``
    (exclusive), local days, with each day's remaining capacity per channel."""
    user = caller()
    q = _query(CalendarQueryIn())
    tz = current_app.config["DEFAULT_TIMEZONE"]
    data = calendar_service.window(user, q["start"], q["end"], group_id=q.get("group"),
                                   channel_ref=q.get("channel"), resource_type=q.get("type"), tz=tz,
                                   language=current_locale())
    return jsonify(CalendarOut().dump({"start": q["start"], "end": q["end"], "time_zone": tz,
                                       "items": data["items"], "capacity": data["capacity"],
                                       "holidays": data["holidays"]}))


@bp.get("/calendar/unscheduled")
def calendar_unscheduled():
    """Approved items without a publication date, for the calendar's side list."""
    user = caller()
    q = _query(UnscheduledQueryIn())
    items = calendar_service.unscheduled_approved(user, group_id=q.get("group"), channel_ref=q.get("channel"),
                                                  resource_type=q.get("type"))
    return jsonify(CalendarItemOut(many=True).dump(items))


@bp.patch("/channels/<slug>")
def update_channel(slug):
    data = CapacityIn().load(json_body())
    channel = channel_service.set_daily_capacity(caller(), slug, data["daily_capacity"])
    return jsonify(ChannelOut().dump(channel))


@bp.post("/channels/<slug>/blackout-dates")
def add_blackout_date(slug):
    data = BlackoutIn().load(json_body())
    channel = channel_service.add_blackout_date(caller(), slug, data["day"], data["reason"])
    return jsonify(ChannelOut().dump(channel)), 201


@bp.delete("/channels/<slug>/blackout-dates/<day>")
def remove_blackout_date(slug, day):
    parsed = BlackoutIn().load({"day": day})["day"]
    channel = channel_service.remove_blackout_date(caller(), slug, parsed)
    return jsonify(ChannelOut().dump(channel))
