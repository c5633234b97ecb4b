"""OpenAPI paths of bulk actions and duplication (merged into openapi.py's table)."""
from ..schemas.bulk import BulkIn, BulkOut

ITEM_ID = {"in": "path", "name": "item_id", "required": True, "schema": {"type": "integer"}}


def bulk_paths(ref, op):
    return {
        "/api/v1/items/bulk": {"post": op(
            "bulkItems", "One action on several items (at most 200), all or nothing", body=BulkIn, out=BulkOut,
            errors=(401, 403, 404, 409, 422),
            description="`move` (to `state`, or to one column per item with `states`), `assign` / `label` "
                        "(`assignees` / `labels` with `mode` add, remove or set, or `each`: one list per item), `due` (`due_at`, null "
                        "for none, or `due_each`: one per item), `archive`, `trash`, `restore`. "
                        "Every item is checked (permission, state machine, four-eyes, `versions` when sent) "
                        "before any changes; a refusal names the item (`item_id`, `item_title`) and the rule "
                        "(`rule`: four_eyes, permission, state, trash, version…) and changes nothing. One event "
                        "per item changed.")},
        "/api/v1/items/{item_id}/duplicate": {"post": op(
            "duplicateItem", "A copy of the item as a new proposal by the caller (content, labels, attachments; "
            "not its reviews, comments or schedule)", out=ref("Item"), etag=True, status=201, params=[ITEM_ID],
            errors=(401, 403, 404, 409))},
    }
