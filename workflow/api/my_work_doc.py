"""OpenAPI path of "Mon travail" (GET /api/v1/me/work)."""

PERSON = {"type": "object", "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                                           "display_name": {"type": "string"}}}
NOTIFICATION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"}, "body": {"type": "string"},
    "group_id": {"type": "integer"}, "item_id": {"type": "integer"}, "url": {"type": "string"},
    "actor": {**PERSON, "nullable": True}, "created_at": {"type": "string", "format": "date-time"},
    "read": {"type": "boolean"}}}


def _section(description, ref, **extra):
    entry = {"type": "object", "required": ["item", "group", "url"], "properties": {
        "item": ref("Item"),
        "group": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "url": {"type": "string", "description": "The item's board with its panel open: /groups/{id}/board?item={id}"},
        **extra}}
    return {"type": "object", "description": description, "required": ["count", "entries"], "properties": {
        "count": {"type": "integer", "description": "How many in all (entries lists at most 100)"},
        "entries": {"type": "array", "items": entry}}}


def my_work_paths(ref, op):
    work = {"type": "object", "description": "The sections in this order; a section the caller's roles never "
                                             "have (to_review for a non-lead) is absent", "properties": {
        "to_rework": _section("The caller's proposals sent back for changes, the latest first", ref, review={
            "type": "object", "description": "The latest review, which asked for changes", "properties": {
                "comment": {"type": "string"}, "reviewer": PERSON, "round": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"}}}),
        "to_review": _section(
            "Leads: items in review in the groups they lead (not their own, nor those whose round they "
            "approved already), oldest first", ref,
            waiting_since={"type": "string", "format": "date-time"}, waited_working_days={"type": "integer"},
            overdue={"type": "boolean", "description": "Waited more working days than the group's limit"},
            limit_days={"type": "integer"}),
        "to_schedule": _section("Leads (their groups), coordinators and admins (every group): approved items "
                                "without a date", ref),
        "due": _section("The caller's items and those assigned to them, not yet approved, due within 7 days "
                        "or overdue, soonest first", ref, overdue={"type": "boolean"}),
        "mentions": _section("Unread mentions, newest first", ref, notification=NOTIFICATION),
        "followed": _section("Unread notifications about followed items, newest first", ref,
                             notification=NOTIFICATION),
    }}
    return {
        "/api/v1/me/work": {"get": op(
            "getMyWork", "The caller's work across their groups (the home page's sections)", out=work,
            errors=(401,))},
    }
