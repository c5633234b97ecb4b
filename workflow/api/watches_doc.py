"""OpenAPI paths of following an item (merged into openapi.py's table)."""

ITEM_ID = {"in": "path", "name": "item_id", "required": True, "schema": {"type": "integer"}}
WATCH = {"type": "object", "required": ["watching", "followers"], "properties": {
    "watching": {"type": "boolean", "description": "Whether the caller follows the item"},
    "followers": {"type": "integer", "description": "How many people follow it"}}}


def watch_paths(ref, op):
    follow = op("followItem", "Follow an item (anyone who may see it): its followers are notified of content "
                "edits, comments, decisions, scheduling and publication. Idempotent: 201 when the caller starts "
                "following, 200 when they already did", out=WATCH, status=201, params=[ITEM_ID], errors=(401, 404),
                description="Authors, assignees and commenters follow automatically; a person who stopped is "
                            "never made to follow again automatically.")
    follow["responses"]["200"] = {**follow["responses"]["201"], "description": "OK: already following"}
    return {
        "/api/v1/items/{item_id}/watch": {
            "get": op("getItemWatch", "Whether the caller follows the item, and how many do", out=WATCH,
                      params=[ITEM_ID], errors=(401, 404)),
            "post": follow,
            "delete": op("unfollowItem", "Stop following an item, for good (automatic follows leave it "
                         "stopped). Idempotent", out=WATCH, params=[ITEM_ID], errors=(401, 404)),
        },
    }
