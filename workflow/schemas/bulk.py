"""What a bulk action takes and answers (POST /api/v1/items/bulk)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from ..domain.states import STATES
from ..domain.bulk import ACTIONS, ASSIGN, DUE, LABEL, MAX_ITEMS, MODES, MOVE
from .inputs import MAX_ID, Assignees, AwareDateTime, LabelRef, Labels, StrictSchema, Text
from .outputs import ItemOut

ItemId = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kw)  # noqa: E731


class IdKeys(fields.Dict):
    """{item id: value} with the ids as JSON writes them (strings), read as integers."""

    def __init__(self, values, **kw):
        super().__init__(keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,9}$")), values=values,
                         validate=validate.Length(max=MAX_ITEMS), **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        read = {int(key): v for key, v in super()._deserialize(value, attr, data, **kwargs).items()}
        if any(key > MAX_ID for key in read):
            raise ValidationError("Must be an item id.")
        return read


class BulkIn(StrictSchema):
    ids = fields.List(ItemId(), required=True, validate=validate.Length(min=1, max=MAX_ITEMS))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    # move: the column every card goes to, or one per card (an undo puts each back in its own).
    state = fields.String(validate=validate.OneOf(STATES))
    states = IdKeys(fields.String(validate=validate.OneOf(STATES)))
    comment = Text(validate=validate.Length(max=10000), load_default=None, allow_none=True)
    assignees = Assignees()
    labels = Labels()
    mode = fields.String(validate=validate.OneOf(MODES), load_default="add")
    # assign / label: each item's own list instead (an undo puts each card's back as it was).
    each = IdKeys(fields.List(LabelRef(), validate=validate.Length(max=20)))
    # due: the due date every card gets (null: none), or one per card (an undo).
    due_at = AwareDateTime(allow_none=True)
    due_each = IdKeys(AwareDateTime(allow_none=True))
    # The version of each card as read: a card changed since refuses the whole action.
    versions = IdKeys(fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID)))

    @validates_schema
    def what_it_needs(self, data, **kwargs):
        if data["action"] == MOVE and not data.get("state") and not data.get("states"):
            raise ValidationError("A move needs a target column: state (or states, one per card).", "state")
        if data["action"] in (ASSIGN, LABEL):
            field = "assignees" if data["action"] == ASSIGN else "labels"
            if not data.get(field) and not data.get("each"):
                raise ValidationError(f"Give the {field} to add, remove or set.", field)
        if data["action"] == DUE and "due_at" not in data and not data.get("due_each"):
            raise ValidationError("Give the due date (due_at, or null for none).", "due_at")


class BulkOut(StrictSchema):
    items = fields.List(fields.Nested(ItemOut), metadata={"description": "The selected items, as they are now"})
    changed = fields.List(fields.Integer(), metadata={"description": "The ids of the items this call changed"})
