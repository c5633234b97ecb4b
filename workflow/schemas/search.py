"""What ``GET /api/v1/search`` reads (its query string) and answers."""
from marshmallow import Schema, fields, validate

from ..domain.states import STATES
from .inputs import MAX_ID, StrictSchema, Text
from .outputs import ItemOut

MAX_QUERY = 200
FLAGS = ("0", "1", "true", "false", "yes", "no")


class SearchQueryIn(StrictSchema):
    """``?q=bibliotheques&group=3&state=proposed&limit=20&include_hidden=1``."""

    q = Text(load_default="", validate=validate.Length(max=MAX_QUERY))
    group = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    include_hidden = fields.String(load_default="0", validate=validate.OneOf(FLAGS))


class SearchHitOut(Schema):
    item = fields.Nested(ItemOut)
    group_name = fields.String()
    # Where the passage comes from: title, summary, body, audience, labels or comment.
    field = fields.String()
    # Safe HTML: the text escaped, the matching words in <mark>.
    snippet = fields.Function(lambda hit: str(hit.snippet))
    title_html = fields.Function(lambda hit: str(hit.title_html))
    rank = fields.Float()
    # The item's column in the reader's language (set by the door: schemas do not translate).
    state_label = fields.String()


class SearchOut(Schema):
    results = fields.List(fields.Nested(SearchHitOut))
    total = fields.Integer()
