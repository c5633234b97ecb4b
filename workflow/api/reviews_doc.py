"""OpenAPI paths of the review queue, claims, rounds, checklists and notifications."""

ID = {"in": "path", "required": True, "schema": {"type": "integer"}}
OBJ = {"type": "object"}


def review_paths(ref, op):
    item_id = {**ID, "name": "item_id"}
    group_id = {**ID, "name": "group_id"}
    note_id = {**ID, "name": "notification_id"}
    rtype = {"in": "path", "name": "resource_type", "required": True, "schema": {"type": "string"}}
    listing = [{"in": "query", "name": "unread", "schema": {"type": "string", "maxLength": 10},
                "description": "1 or true: unread ones only"},
               {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
               {"in": "query", "name": "before", "schema": {"type": "integer", "minimum": 0},
                "description": "Only notifications older than this id (the next page)"}]
    return {
        "/api/v1/reviews/queue": {"get": op(
            "getReviewQueue", "The caller's review queue (groups they lead), oldest first", out=OBJ, many=True,
            errors=(401,))},
        "/api/v1/items/{item_id}/claim": {
            "post": op("claimItem", "Claim an item for review (leads)", out=ref("Item"), params=[item_id]),
            "delete": op("releaseItem", "Give a claimed item back to the queue", out=ref("Item"),
                         params=[item_id]),
        },
        "/api/v1/items/{item_id}/rounds": {"get": op(
            "listReviewRounds", "Review rounds: who submitted, what changed, every decision", out=OBJ, many=True,
            params=[item_id], errors=(401, 404))},
        "/api/v1/items/{item_id}/diff": {"get": op(
            "getItemDiff", "What changed since the last review decision", out=OBJ, params=[item_id],
            errors=(401, 404))},
        "/api/v1/groups/{group_id}/checklists": {"get": op(
            "listChecklists", "Review checklists per resource type", out=OBJ, params=[group_id],
            errors=(401, 404))},
        "/api/v1/groups/{group_id}/checklists/{resource_type}": {"put": op(
            "setChecklist", "Replace a resource type's review checklist", body={"type": "object", "properties": {
                "labels": {"type": "array", "items": {"type": "string"}}}}, out=OBJ, params=[group_id, rtype])},
        "/api/v1/notifications": {"get": op(
            "listNotifications", "The caller's notifications, newest first, and the unread count", out=OBJ,
            params=listing, errors=(401, 422),
            description="Each notification has its ``body`` as text and ``body_html``, the same body as safe "
                        "HTML: a person's Markdown rendered and sanitised (no script, no event handlers, only "
                        "http/https/mailto links), any other text escaped.")},
        "/api/v1/notifications/unread": {"get": op("getUnreadCount", "The unread count", out=OBJ, errors=(401,))},
        "/api/v1/notifications/{notification_id}/read": {"post": op(
            "markNotificationRead", "Mark one notification read", out=OBJ, params=[note_id], errors=(401, 404))},
        "/api/v1/notifications/read-all": {"post": op(
            "markAllNotificationsRead", "Mark all notifications read", out=OBJ, errors=(401,))},
        "/api/v1/notifications/preferences": {
            "get": op("getNotificationPreferences", "Per kind: in-app only or also by e-mail; daily digest",
                      out=OBJ, errors=(401,)),
            "put": op("setNotificationPreferences", "Set the notification preferences",
                      body={"type": "object", "properties": {
                          "email": {"type": "object", "additionalProperties": {"type": "boolean"}},
                          "daily_digest": {"type": "boolean"}}}, out=OBJ, errors=(401, 422)),
        },
    }
