"""OpenAPI paths of the groups' labels and the calendar's due dates (merged into openapi.py's table)."""
from ..schemas import inputs as si
from ..schemas import outputs as so
from ..schemas.calendar import DueOut

PALETTE_ENTRY = {"type": "object", "properties": {
    "color": {"type": "string"}, "background": {"type": "string"}, "text": {"type": "string"},
    "name": {"type": "string"}}}


def label_paths(ref, op):
    group_id = {"in": "path", "name": "group_id", "required": True, "schema": {"type": "integer"}}
    label_id = {"in": "path", "name": "label_id", "required": True, "schema": {"type": "integer"}}
    day = lambda name: {"in": "query", "name": name, "required": True,  # noqa: E731
                        "schema": {"type": "string", "format": "date"}}
    return {
        "/api/v1/groups/{group_id}/labels": {
            "get": op("listLabels", "The group's labels, and the palette their colours come from", params=[group_id],
                      out={"type": "object", "properties": {
                          "labels": {"type": "array", "items": so.LabelOut},
                          "palette": {"type": "array", "items": PALETTE_ENTRY}}}, errors=(401, 404)),
            "post": op("createLabel", "Create a label (members); without a colour, the palette's first free one",
                       body=si.LabelIn, out=so.LabelOut, status=201, params=[group_id]),
        },
        "/api/v1/labels/{label_id}": {
            "patch": op("updateLabel", "Rename or recolour a label (leads)", body=si.LabelPatchIn, out=so.LabelOut,
                        params=[label_id]),
            "delete": op("deleteLabel", "Delete a label; the cards carrying it lose it (leads)", out=so.LabelOut,
                         params=[label_id]),
        },
        "/api/v1/calendar/due": {"get": op(
            "listDueItems", "Items due (their due_at) between local days from and to (exclusive), "
            "not yet approved; the calendar shows them apart from publications",
            out=DueOut, params=[day("from"), day("to"),
                                {"in": "query", "name": "group", "schema": {"type": "integer", "minimum": 1}},
                                {"in": "query", "name": "type", "schema": {"type": "string"}}],
            errors=(401, 404, 422))},
    }
