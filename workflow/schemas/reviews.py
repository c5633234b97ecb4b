"""Schemas of the review queue, claiming, checklists and notifications."""
from marshmallow import Schema, fields, validate

from ..domain.reviews import NOTIFICATION_KINDS
from ..models.items import RESOURCE_TYPES
from .inputs import StrictSchema, Text
from .outputs import ItemOut, ReviewOut, UserBrief


class DiffLineOut(Schema):
    op = fields.String()
    text = fields.String()


class FieldDiffOut(Schema):
    field = fields.String()
    label = fields.String()
    lines = fields.List(fields.Nested(DiffLineOut))


class QueueEntryOut(Schema):
    item = fields.Nested(ItemOut)
    waiting_since = fields.DateTime()
    waited = fields.String()
    waited_working_days = fields.Integer()
    overdue = fields.Boolean()
    limit_days = fields.Integer()
    round = fields.Integer()
    last_review = fields.Nested(ReviewOut, allow_none=True)
    diff = fields.List(fields.Nested(FieldDiffOut))
    checklist = fields.List(fields.String())
    required_approvals = fields.Integer()
    approvals = fields.List(fields.Nested(ReviewOut))
    blocked_reason = fields.String(allow_none=True)
    claimed_by = fields.Nested(UserBrief, allow_none=True)


class ChecklistIn(StrictSchema):
    labels = fields.List(Text(validate=validate.Length(min=1, max=200)), required=True,
                         validate=validate.Length(max=30))


class PreferencesIn(StrictSchema):
    email = fields.Dict(keys=fields.String(validate=validate.OneOf(NOTIFICATION_KINDS)),
                        values=fields.Boolean(), load_default=dict)
    daily_digest = fields.Boolean(load_default=None, allow_none=True)


RESOURCE_TYPE_CHOICES = RESOURCE_TYPES
