"""What comes in and goes out for an item's to-do list (tasks) and a column's WIP limit."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models.tasks import MAX_TASK_TEXT
from .inputs import StrictSchema, Text

# A limit above this is a typing slip, not a board (the largest column of a board we
# know holds a few hundred cards).
MAX_WIP_LIMIT = 999


def _not_blank(value):
    if not value.strip():
        raise ValidationError("Must not be empty.")


class TaskIn(StrictSchema):
    text = Text(required=True, validate=[validate.Length(min=1, max=MAX_TASK_TEXT), _not_blank])


class TaskPatchIn(StrictSchema):
    text = Text(validate=[validate.Length(min=1, max=MAX_TASK_TEXT), _not_blank])
    done = fields.Boolean(truthy={True}, falsy={False})  # true or false, not "yes" or 1

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Send text and/or done.", "_schema")


class WipLimitIn(StrictSchema):
    wip_limit = fields.Integer(required=True, allow_none=True, strict=True,
                               validate=validate.Range(min=1, max=MAX_WIP_LIMIT))


class _Person(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class TaskOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    text = fields.String()
    done = fields.Boolean()
    position = fields.Integer()
    done_by = fields.Nested(_Person, allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ColumnLimitOut(Schema):
    group_id = fields.Integer()
    state = fields.String()
    wip_limit = fields.Integer(allow_none=True)
    count = fields.Integer()
    over_limit = fields.Boolean()


_task_out = TaskOut()


def dump_task(task):
    return _task_out.dump(task)
