"""OpenAPI paths of the calendar, channel rules, feeds and webhooks (merged into openapi.py's table)."""
from ..schemas import calendar as cs

SLUG = {"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}
TOKEN = {"in": "path", "name": "token", "required": True, "schema": {"type": "string"}}

SECRET_ENCODING = (
    "The secret is a 64-character text (hexadecimal digits); the HMAC key is its UTF-8 bytes as they are, "
    "not the bytes the hex digits spell. A Standard Webhooks library takes the same key as "
    "`whsec_` + base64(secret), e.g. `Webhook('whsec_' + base64.b64encode(secret.encode()).decode())`.")

_STRING = {"schema": {"type": "string"}}
DELIVERY_HEADERS = [
    {"in": "header", "name": "webhook-id", "required": True, **_STRING,
     "description": "Standard Webhooks: the delivery's id, the same on every retry (deduplicate on it)"},
    {"in": "header", "name": "webhook-timestamp", "required": True, "schema": {"type": "integer"},
     "description": "Standard Webhooks: Unix seconds when this attempt was signed; refuse old ones"},
    {"in": "header", "name": "webhook-signature", "required": True, **_STRING,
     "description": "Standard Webhooks: `v1,` + base64 of HMAC-SHA256(key, `<webhook-id>.<webhook-timestamp>."
                    "<raw body>`). " + SECRET_ENCODING},
    {"in": "header", "name": "X-Relais-Signature", "required": True, "deprecated": True, **_STRING,
     "description": "Legacy, kept for existing receivers: `sha256=` + hex of HMAC-SHA256(key, "
                    "`<X-Relais-Timestamp>.<raw body>`), the same key"},
    {"in": "header", "name": "X-Relais-Timestamp", "required": True, "deprecated": True, **_STRING,
     "description": "Legacy: Unix seconds, the same value as webhook-timestamp"},
    {"in": "header", "name": "X-Relais-Event", "required": True, **_STRING,
     "description": "The event's type: item.published"},
    {"in": "header", "name": "X-Relais-Delivery", "required": True, **_STRING,
     "description": "The delivery's number in the delivery log (GET /api/v1/webhooks/{webhook_id}/deliveries)"},
]


def _q(name, type_="string", required=False, **extra):
    return {"in": "query", "name": name, "required": required, "schema": {"type": type_, **extra}}


CONDITIONAL = [
    {"in": "header", "name": "If-None-Match", "required": False, **_STRING,
     "description": "The feed's ETag from an earlier answer: 304 while the feed is unchanged"},
    {"in": "header", "name": "If-Modified-Since", "required": False, **_STRING,
     "description": "An HTTP date (Last-Modified of an earlier answer): 304 if nothing changed since"},
]


def _feed(op_id, summary, params, mime):
    return {"operationId": op_id, "summary": summary, "parameters": params + CONDITIONAL, "security": [],
            "description": "No credentials: the secret token (iCalendar) is the credential; an Atom feed is public. "
                           "Answers carry ETag and Last-Modified for conditional GETs.",
            "responses": {"200": {"description": "OK", "content": {mime: {"schema": {"type": "string"}}},
                                  "headers": {"ETag": {"schema": {"type": "string"}},
                                              "Last-Modified": {"schema": {"type": "string"}}}},
                          "304": {"description": "Not modified since the ETag or date given"},
                          "404": {"description": "Unknown token, group or channel",
                                  "content": {"application/problem+json": {
                                      "schema": {"$ref": "#/components/schemas/Problem"}}}}}}


def _delivery(ref):
    """The POST a webhook receives for each publication (an OpenAPI callback of createWebhook)."""
    body = {"type": "object", "required": ["event", "event_id", "item"], "properties": {
        "event": {"type": "string", "enum": ["item.published"]}, "event_id": {"type": "integer"},
        "item": ref("Item")}}
    return {"itemPublished": {"{$request.body#/url}": {"post": {
        "operationId": "receiveItemPublished",
        "summary": "A publication on the webhook's channel, signed (Standard Webhooks, and the legacy header)",
        "description": "Any 2xx acknowledges it. Anything else, or no answer within 10 s, is retried with "
                       "backoff (30 s doubling, up to 6 h, 8 attempts); redirects are not followed. "
                       + SECRET_ENCODING,
        "parameters": DELIVERY_HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"2XX": {"description": "Received"}}}}}}


def calendar_paths(ref, op):
    filters = [_q("group", "integer", minimum=1), _q("channel"), _q("type")]
    webhook_id = {"in": "path", "name": "webhook_id", "required": True, "schema": {"type": "integer"}}
    create_webhook = op(
        "createWebhook", "Register a webhook on a channel (admin); the answer shows its signing secret once",
        body=cs.WebhookIn, out=cs.WebhookCreatedOut, status=201,
        description="Each publication on the channel is POSTed to the URL (see the itemPublished callback). "
                    + SECRET_ENCODING)
    create_webhook["callbacks"] = _delivery(ref)
    return {
        "/api/v1/calendar": {"get": op(
            "getCalendar",
            "Items scheduled or published between local days from (inclusive) and to (exclusive, at most 366 "
            "days later), with each day's remaining capacity per channel",
            out=cs.CalendarOut, params=[_q("from", format="date", required=True),
                                        _q("to", format="date", required=True), *filters],
            errors=(401, 404, 422))},
        "/api/v1/calendar/unscheduled": {"get": op(
            "listUnscheduledItems", "Approved items without a date", out=cs.CalendarItemOut, many=True,
            params=filters, errors=(401, 404, 422))},
        "/api/v1/channels/{slug}": {"patch": op(
            "setChannelCapacity", "Set a channel's daily capacity (coordinator)", body=cs.CapacityIn,
            out=ref("Channel"), params=[SLUG])},
        "/api/v1/channels/{slug}/blackout-dates": {"post": op(
            "addBlackoutDate", "Close a channel on a day (coordinator)", body=cs.BlackoutIn, out=ref("Channel"),
            status=201, params=[SLUG])},
        "/api/v1/channels/{slug}/blackout-dates/{day}": {"delete": op(
            "removeBlackoutDate", "Open a closed day again (coordinator)", out=ref("Channel"),
            params=[SLUG, {"in": "path", "name": "day", "required": True,
                           "schema": {"type": "string", "format": "date"}}])},
        "/api/v1/me/feed-token": {"post": op(
            "regenerateFeedToken", "Regenerate the secret of the caller's iCalendar feed URLs",
            out={"type": "object", "properties": {"ical_url": {"type": "string"}}}, status=201, errors=(401,))},
        "/api/v1/feeds/ical/{token}/calendar.ics": {"get": _feed(
            "getCalendarFeed", "iCalendar (RFC 5545) of the items the token's owner can see", [TOKEN],
            "text/calendar")},
        "/api/v1/feeds/ical/{token}/groups/{group_id}/calendar.ics": {"get": _feed(
            "getGroupCalendarFeed", "iCalendar of one group's items",
            [TOKEN, {"in": "path", "name": "group_id", "required": True, "schema": {"type": "integer"}}],
            "text/calendar")},
        "/api/v1/feeds/channels/{slug}/atom.xml": {"get": _feed(
            "getChannelAtomFeed", "Atom feed of a channel's published items", [SLUG], "application/atom+xml")},
        "/api/v1/webhooks": {
            "get": op("listWebhooks", "Webhooks (admin)", out=cs.WebhookOut, many=True, params=[_q("channel")]),
            "post": create_webhook,
        },
        "/api/v1/webhooks/{webhook_id}": {"delete": op(
            "deactivateWebhook", "Deactivate a webhook (admin)", out=cs.WebhookOut, params=[webhook_id])},
        "/api/v1/webhooks/{webhook_id}/deliveries": {"get": op(
            "listWebhookDeliveries", "A webhook's delivery log, newest first (admin)", out=cs.DeliveryOut,
            many=True, params=[webhook_id])},
    }
