"""OpenAPI paths of the calendar, channel rules, feeds and webhooks (merged into openapi.py's table)."""
from ..schemas import calendar as cs

SLUG = {"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}
TOKEN = {"in": "path", "name": "token", "required": True, "schema": {"type": "string"}}


def _q(name, type_="string", required=False, **extra):
    return {"in": "query", "name": name, "required": required, "schema": {"type": type_, **extra}}


def calendar_paths(ref, op):
    filters = [_q("group", "integer", minimum=1), _q("channel"), _q("type")]
    webhook_id = {"in": "path", "name": "webhook_id", "required": True, "schema": {"type": "integer"}}
    text = lambda mime: {"200": {"description": "OK", "content": {mime: {"schema": {"type": "string"}}}},  # noqa: E731
                         "404": {"description": "Unknown token, group or channel"}}
    return {
        "/api/v1/calendar": {"get": op(
            "Items scheduled or published between local days from (inclusive) and to (exclusive, at most 366 "
            "days later), with each day's remaining capacity per channel",
            out=cs.CalendarOut, params=[_q("from", format="date", required=True),
                                        _q("to", format="date", required=True), *filters],
            errors=(401, 404, 422))},
        "/api/v1/calendar/unscheduled": {"get": op("Approved items without a date", out=cs.CalendarItemOut,
                                                   many=True, params=filters, errors=(401, 404, 422))},
        "/api/v1/channels/{slug}": {"patch": op("Set a channel's daily capacity (coordinator)",
                                                body=cs.CapacityIn, out=ref("Channel"), params=[SLUG])},
        "/api/v1/channels/{slug}/blackout-dates": {"post": op(
            "Close a channel on a day (coordinator)", body=cs.BlackoutIn, out=ref("Channel"), status=201,
            params=[SLUG])},
        "/api/v1/channels/{slug}/blackout-dates/{day}": {"delete": op(
            "Open a closed day again (coordinator)", out=ref("Channel"),
            params=[SLUG, {"in": "path", "name": "day", "required": True,
                           "schema": {"type": "string", "format": "date"}}])},
        "/api/v1/me/feed-token": {"post": op("Regenerate the secret of the caller's iCalendar feed URLs",
                                             out={"type": "object", "properties": {"ical_url": {"type": "string"}}},
                                             status=201, errors=(401,))},
        "/api/v1/feeds/ical/{token}/calendar.ics": {"get": {
            "summary": "iCalendar (RFC 5545) of the items the token's owner can see", "parameters": [TOKEN],
            "responses": text("text/calendar")}},
        "/api/v1/feeds/ical/{token}/groups/{group_id}/calendar.ics": {"get": {
            "summary": "iCalendar of one group's items",
            "parameters": [TOKEN, {"in": "path", "name": "group_id", "required": True, "schema": {"type": "integer"}}],
            "responses": text("text/calendar")}},
        "/api/v1/feeds/channels/{slug}/atom.xml": {"get": {
            "summary": "Atom feed of a channel's published items", "parameters": [SLUG],
            "responses": text("application/atom+xml")}},
        "/api/v1/webhooks": {
            "get": op("Webhooks (admin)", out=cs.WebhookOut, many=True, params=[_q("channel")]),
            "post": op("Register a webhook on a channel (admin); the answer shows its signing secret once",
                       body=cs.WebhookIn, out=cs.WebhookCreatedOut, status=201),
        },
        "/api/v1/webhooks/{webhook_id}": {"delete": op("Deactivate a webhook (admin)", out=cs.WebhookOut,
                                                       params=[webhook_id])},
        "/api/v1/webhooks/{webhook_id}/deliveries": {"get": op("A webhook's delivery log, newest first (admin)",
                                                               out=cs.DeliveryOut, many=True, params=[webhook_id])},
    }
