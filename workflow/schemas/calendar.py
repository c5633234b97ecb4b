"""Schemas of the calendar, channel rules, feeds and webhooks."""
from marshmallow import Schema, fields, validate

from ..domain.labels import due_status
from ..models.base import utcnow
from ..models.items import RESOURCE_TYPES
from .inputs import MAX_ID, ChannelRef, Date, StrictSchema, Text
from .outputs import ItemOut


class CalendarQueryIn(StrictSchema):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (local days, ``to`` exclusive) and optional filters."""

    start = Date(required=True, data_key="from")
    end = Date(required=True, data_key="to")
    group = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID))
    channel = ChannelRef()
    type = fields.String(validate=validate.OneOf(RESOURCE_TYPES))


class UnscheduledQueryIn(StrictSchema):
    group = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID))
    channel = ChannelRef()
    type = fields.String(validate=validate.OneOf(RESOURCE_TYPES))


class CalendarItemOut(ItemOut):
    group_name = fields.String(attribute="group.name")
    group_color = fields.String(attribute="group.color")
    schedule_sequence = fields.Integer()


class DueQueryIn(StrictSchema):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (local days, ``to`` exclusive), optional group and type."""

    start = Date(required=True, data_key="from")
    end = Date(required=True, data_key="to")
    group = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID))
    type = fields.String(validate=validate.OneOf(RESOURCE_TYPES))


class DueItemOut(Schema):
    """A due date on the calendar: a marker of kind "due", apart from the publications."""

    kind = fields.Constant("due")
    id = fields.Integer()
    title = fields.String()
    state = fields.String()
    resource_type = fields.String()
    group_id = fields.Integer()
    group_name = fields.String(attribute="group.name")
    group_color = fields.String(attribute="group.color")
    due_at = fields.DateTime()
    version = fields.Integer()
    due_status = fields.Function(lambda item: due_status(item.due_at, item.state, utcnow()),
                                 metadata={"description": "overdue, due_soon or null"})


class DueOut(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    time_zone = fields.String()
    items = fields.List(fields.Nested(DueItemOut))


class CalendarGroupOut(Schema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String()


class CalendarOut(Schema):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    time_zone = fields.String()
    items = fields.List(fields.Nested(CalendarItemOut))
    capacity = fields.Dict(metadata={"description": "{day: {channel slug: {daily_capacity, booked, remaining, blackout}}}"})
    holidays = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "{day: name} of the public holidays in the window"})


class CapacityIn(StrictSchema):
    daily_capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1000))


class BlackoutIn(StrictSchema):
    day = Date(required=True)
    reason = Text(load_default="", validate=validate.Length(max=200))


class WebhookIn(StrictSchema):
    channel = ChannelRef(required=True)
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2048))
    allow_private = fields.Boolean(load_default=False)


class WebhookOut(Schema):
    id = fields.Integer()
    channel = fields.String(attribute="channel.slug")
    url = fields.String()
    active = fields.Boolean()
    allow_private = fields.Boolean()
    created_at = fields.DateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(metadata={"description": "Shown once: the key of the HMAC-SHA256 signature."})


class DeliveryOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    item_id = fields.Integer(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
