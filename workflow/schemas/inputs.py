"""Input schemas. Every field is typed and bounded; unknown fields raise."""
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..domain.labels import COLORS
from ..domain.labels import MAX_NAME as MAX_LABEL_NAME
from ..domain.scheduling import whole_minute
from ..domain.states import REVIEW_DECISIONS, STATES
from ..models.items import RESOURCE_TYPES

MAX_LABELS = 20
MAX_ASSIGNEES = 20
# Row ids (items, groups, people, labels, notifications…) are INTEGER columns, 32-bit on
# PostgreSQL; event ids are 64-bit. A value past them is a 422 naming the field, not an
# overflow deep in the driver (and a path id past them is a 404: see workflow.routing).
MAX_ID = 2**31 - 1
MAX_EVENT_ID = 2**63 - 1


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Text(fields.String):
    """A string that refuses NUL characters (PostgreSQL cannot store them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ValidationError("Must not contain NUL characters.")
        return value


class ChannelRef(fields.Field):
    """A channel named by its id (integer) or its slug (string)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Must be a channel id (integer) or slug (string).")
        if isinstance(value, str) and not (1 <= len(value) <= 60):
            raise ValidationError("Must be a channel id or slug.")
        return value


# Dates and times outside these years are refused by the schema: near Python's
# limits (years 1 and 9999) a time-zone shift or a window of days around them overflows.
MIN_YEAR, MAX_YEAR = 1900, 9000


def _in_years(value):
    year = value.astimezone(timezone.utc).year if isinstance(value, datetime) and value.tzinfo else value.year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"Must be between the years {MIN_YEAR} and {MAX_YEAR}.")
    return value


class AwareDateTime(fields.AwareDateTime):
    def __init__(self, **kw):
        super().__init__(format="iso", default_timezone=None, **kw)
        self.error_messages["invalid_awareness"] = "Must include a time zone (e.g. 2026-12-01T10:00:00+01:00)."

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return _in_years(value)
        except OverflowError:
            raise ValidationError(f"Must be between the years {MIN_YEAR} and {MAX_YEAR}.") from None


class PublicationTime(AwareDateTime):
    """A publication time, booked in whole minutes (a drop's seconds are dropped)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return whole_minute(super()._deserialize(value, attr, data, **kwargs))


class Date(fields.Date):
    """A calendar date between MIN_YEAR and MAX_YEAR."""

    def _deserialize(self, value, attr, data, **kwargs):
        return _in_years(super()._deserialize(value, attr, data, **kwargs))


class LabelRef(fields.Field):
    """A label named by its id (integer) or its name (string; a new name creates the label)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Must be a label id (integer) or name (string).")
        if isinstance(value, int):
            if not 0 < value <= MAX_ID:
                raise ValidationError("Must be a label id or name.")
            return value
        if not 1 <= len(value) <= MAX_LABEL_NAME:
            raise ValidationError(f"A label name has 1 to {MAX_LABEL_NAME} characters.")
        if "\x00" in value:
            raise ValidationError("Must not contain NUL characters.")
        return value


Title = lambda **kw: Text(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
Summary = lambda **kw: Text(validate=validate.Length(max=2000), **kw)  # noqa: E731
Body = lambda **kw: Text(validate=validate.Length(max=50000), **kw)  # noqa: E731
ResourceType = lambda **kw: fields.String(validate=validate.OneOf(RESOURCE_TYPES), **kw)  # noqa: E731
ResourceUrl = lambda **kw: fields.Url(  # noqa: E731
    schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2048), **kw)
Audience = lambda **kw: Text(validate=validate.Length(max=120), **kw)  # noqa: E731
Labels = lambda **kw: fields.List(  # noqa: E731
    LabelRef(), validate=validate.Length(max=MAX_LABELS), **kw)
Assignees = lambda **kw: fields.List(  # noqa: E731
    fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=MAX_ASSIGNEES), **kw)


class ItemCreateIn(StrictSchema):
    title = Title(required=True)
    summary = Summary(load_default="")
    body = Body(load_default="")
    resource_type = ResourceType(required=True)
    resource_url = ResourceUrl(load_default=None, allow_none=True)
    audience = Audience(load_default="")
    channel = ChannelRef(load_default=None, allow_none=True)
    labels = Labels(load_default=list)
    assignees = Assignees(load_default=list)
    # "À préparer pour le …": when the item must be ready.
    due_at = AwareDateTime(load_default=None, allow_none=True)


class ItemPatchIn(StrictSchema):
    title = Title()
    summary = Summary()
    body = Body()
    resource_type = ResourceType()
    resource_url = ResourceUrl(allow_none=True)
    audience = Audience()
    channel = ChannelRef(allow_none=True)
    labels = Labels()
    assignees = Assignees()
    # Last day of the licence: past it, `relais expire-licences` withdraws the item.
    licence_end = Date(allow_none=True)
    due_at = AwareDateTime(allow_none=True)
    # One of the item's image attachments shown on its card, or null for none.
    cover_attachment_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=2**63 - 1))
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))


LabelName = lambda **kw: Text(validate=validate.Length(min=1, max=MAX_LABEL_NAME), **kw)  # noqa: E731
LabelColor = lambda **kw: fields.String(validate=validate.OneOf(COLORS), **kw)  # noqa: E731


class LabelIn(StrictSchema):
    """A new label of a group: its name, and a colour of the palette (else the first free one)."""

    name = LabelName(required=True)
    color = LabelColor(load_default=None)


class LabelPatchIn(StrictSchema):
    name = LabelName()
    color = LabelColor()

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give a name or a color.", "name")


class MoveIn(StrictSchema):
    state = fields.String(validate=validate.OneOf(STATES))
    before_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    after_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    comment = Text(validate=validate.Length(max=10000), load_default=None, allow_none=True)
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))

    @validates_schema
    def one_anchor(self, data, **kwargs):
        if data.get("before_id") is not None and data.get("after_id") is not None:
            raise ValidationError("Give before_id or after_id, not both.", "before_id")
        if "state" not in data and data.get("before_id") is None and data.get("after_id") is None:
            raise ValidationError("Give a target state, a before_id or an after_id.", "state")


class TransitionIn(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(STATES))
    comment = Text(validate=validate.Length(max=10000), load_default=None, allow_none=True)
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))


class ReviewIn(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(tuple(REVIEW_DECISIONS)))
    comment = Text(validate=validate.Length(max=10000), load_default="")
    # The checklist points (labels) the lead ticked; all are required to approve.
    checklist = fields.List(Text(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=50),
                            load_default=list)
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))


class ScheduleIn(StrictSchema):
    scheduled_at = PublicationTime(required=True)
    channel = ChannelRef(required=True)
    version = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))


class CommentIn(StrictSchema):
    body = Text(required=True, validate=validate.Length(min=1, max=10000))


class TokenIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default="api", validate=validate.Length(min=1, max=80))


class PasswordChangeIn(StrictSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=200))


class EventsQueryIn(StrictSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_EVENT_ID))
    # With ``group``: page that board's log by seq instead of by event id.
    since_seq = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**31 - 1))
    group = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class NotificationsQueryIn(StrictSchema):
    """``?unread=1&limit=50&before=<id>``: the newest notifications, older than ``before``."""

    unread = fields.String(load_default="0", validate=validate.Length(max=10))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_ID))


class MembersQueryIn(StrictSchema):
    """``?q=ch&limit=8``: the start of a display name's word or of a username (any case, any accent)."""
    q = fields.String(load_default="", validate=validate.Length(max=40))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
