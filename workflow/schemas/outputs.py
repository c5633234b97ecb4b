"""Output schemas: the shape of every object as the API shows it."""
from marshmallow import Schema, fields

from ..domain.states import BOARD_COLUMNS


class UserBrief(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class ChannelBrief(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class ChannelOut(ChannelBrief):
    daily_capacity = fields.Integer()
    blackout_dates = fields.Method("_blackouts")

    def _blackouts(self, channel):
        return [b.day.isoformat() for b in channel.blackout_dates]


class ItemOut(Schema):
    id = fields.Integer()
    group_id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    resource_type = fields.String()
    resource_url = fields.String(allow_none=True)
    audience = fields.String()
    channel = fields.Nested(ChannelBrief, allow_none=True)
    labels = fields.Method("_labels")
    author = fields.Nested(UserBrief)
    assignees = fields.List(fields.Nested(UserBrief))
    state = fields.String()
    archived_from = fields.String(allow_none=True)
    rank = fields.String()
    scheduled_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    deleted = fields.Boolean()
    comment_count = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _labels(self, item):
        return [label.name for label in item.labels]


_item_out = ItemOut()


def dump_item(item):
    return _item_out.dump(item)


class GroupOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    role = fields.String(allow_none=True)
    wip_limits = fields.Dict()


class ColumnOut(Schema):
    state = fields.String()
    count = fields.Integer()
    wip_limit = fields.Integer(allow_none=True)
    over_limit = fields.Boolean()
    items = fields.List(fields.Nested(ItemOut))


class BoardOut(Schema):
    group = fields.Nested(GroupOut)
    columns = fields.List(fields.Nested(ColumnOut))
    last_event_id = fields.Integer()


class CommentOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    author = fields.Nested(UserBrief)
    body = fields.String()
    created_at = fields.DateTime()


class ReviewOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    reviewer = fields.Nested(UserBrief)
    decision = fields.String()
    comment = fields.String()
    item_version = fields.Integer()
    created_at = fields.DateTime()


class EventOut(Schema):
    id = fields.Integer()
    type = fields.String()
    group_id = fields.Integer(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    actor = fields.Nested(UserBrief, allow_none=True)
    payload = fields.Dict()
    created_at = fields.DateTime()


class MembershipOut(Schema):
    group_id = fields.Integer()
    group_name = fields.String(attribute="group.name")
    role = fields.String()


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String()
    locale = fields.String()
    timezone = fields.String()
    library = fields.String(attribute="library.name", allow_none=True)
    is_coordinator = fields.Boolean()
    is_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipOut))


assert BOARD_COLUMNS
