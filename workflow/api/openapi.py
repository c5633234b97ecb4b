"""The OpenAPI 3 document, generated from the marshmallow schemas the API
really uses (apispec). The paths table below is the API's contents list. Each
operation has an operationId (generated clients name their functions after it)
and lists every status it answers: tests/openapi_coverage.py fails the suite
when a test sees an answer that is not here."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from .. import schemas as s
from .attachments_doc import attachment_paths
from .bulk_doc import bulk_paths
from .calendar_doc import calendar_paths
from .reviews_doc import review_paths
from .search_doc import search_paths
from .dashboard_doc import dashboard_paths
from .groups_doc import member_paths
from .labels_doc import label_paths
from .my_work_doc import my_work_paths
from .tasks_doc import task_paths
from .watches_doc import watch_paths
from .blueprint import bp

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "errors": {"type": "object"},
    },
}

ID = {"in": "path", "required": True, "schema": {"type": "integer"}}
WRITES = {"post", "put", "patch", "delete"}

# What each problem status means here (tests/openapi_coverage.py fails the suite
# when a test sees a status an operation does not list).
PROBLEMS = {
    400: "Malformed request: body, query, If-Match or Idempotency-Key header, or a cookie-session write "
         "without its CSRF token",
    401: "Not authenticated: send Authorization: Bearer <token> (POST /api/v1/tokens gives one)",
    403: "Not allowed for the caller's role, or a cookie-session write from another site (Origin)",
    404: "No such resource, or one the caller cannot see",
    409: "Conflict: the version sent is not the current one, the change breaks a rule, or a request with the "
         "same Idempotency-Key is still running",
    413: "The body is larger than the server accepts (MAX_CONTENT_LENGTH, 1 MiB by default)",
    415: "The body is not application/json",
    422: "Invalid input (errors names each field), or an Idempotency-Key reused for another request",
    428: "The version read is required (If-Match or version)",
    429: "Too many attempts; retry after Retry-After seconds",
    500: "Unexpected server error; a write sent with an Idempotency-Key may be retried with the same key",
    503: "The database is unavailable for a moment; nothing was changed; retry after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying",
                               "schema": {"type": "integer"}}}
ETAG = {"ETag": {"description": "Names this answer's content: send it back in If-None-Match to revalidate",
                 "schema": {"type": "string"}}}
ITEM_ETAG = {"ETag": {"description": 'The item\'s version, quoted ("3"): send it back in If-Match to edit, or '
                                     "in If-None-Match to revalidate", "schema": {"type": "string"}}}
REPLAYED = {"Idempotent-Replayed": {
    "description": "true when this is the stored answer to an earlier request with the same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]}}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": 'The version read, as its ETag ("3"); a stale one gives 409'}
IF_NONE_MATCH = {"in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
                 "description": "ETags the client holds (a list, W/ or *): 304 when one still matches"}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "1–200 printable characters, per user: a retry with the same key and request gets the "
                   "first answer again (Idempotent-Replayed: true) and the change happens once; the same "
                   "key with another request is a 422, one still running a 409"}


def _problem(code):
    response = {"description": PROBLEMS[code],
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if code in (429, 503):
        response["headers"] = dict(RETRY_AFTER)
    return response


def _op(op_id, summary, *, body=None, out=None, status=200, many=False, params=(), errors=(401, 403, 404, 409, 422),
        public=False, etag=False, conditional=False, description=None):
    """One operation: ``op_id`` names it for generated clients (``moveItem`` → ``move_item()``);
    ``public`` ones need no credentials; ``etag`` answers carry the item's ETag;
    ``conditional`` ones answer 304 to a matching If-None-Match. The statuses every
    operation of its kind may answer are added by ``_complete``."""
    op = {"operationId": op_id, "summary": summary, "responses": {}}
    if description:
        op["description"] = description
    params = list(params)
    if conditional:
        params.append(IF_NONE_MATCH)
    if params:
        op["parameters"] = params
        if any(p.get("name") == "If-Match" for p in params):
            errors = tuple(errors) + (400,)  # a malformed If-Match
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        errors = tuple(errors) + (400, 413, 415)
    content = None
    if out is not None:
        schema = {"type": "array", "items": out} if many else out
        content = {"application/json": {"schema": schema}}
    ok = {"description": "OK" if status != 201 else "Created", **({"content": content} if content else {})}
    if etag or conditional:
        ok["headers"] = dict(ITEM_ETAG if etag else ETAG)
    op["responses"][str(status)] = ok
    if conditional:
        op["responses"]["304"] = {"description": "Not Modified: an ETag of If-None-Match is still current "
                                                 "(weak comparison; * matches any)", "headers": ok["headers"]}
    for code in sorted(set(errors)):
        op["responses"][str(code)] = _problem(code)
    op["security"] = [] if public else [{"bearer": []}, {"session": []}]
    return op


def _complete(method, op):
    """Add what every operation of its kind may answer: 500 and 503 everywhere; 401
    unless public; on a write, 400/403 (a cookie session's CSRF token and Origin)
    and, when authenticated, the Idempotency-Key header with its 409/422."""
    codes = {500, 503}
    public = op["security"] == []
    if not public:
        codes.add(401)
    if method in WRITES:
        codes |= {400, 403}
        if not public:
            codes |= {409, 422}
            op.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            for code, response in op["responses"].items():
                if code.startswith("2"):
                    response["headers"] = {**response.get("headers", {}), **REPLAYED}
    for code in codes:
        op["responses"].setdefault(str(code), _problem(code))
    op["responses"] = dict(sorted(op["responses"].items()))
    return op


TAGS = {"me": "account", "tokens": "account", "groups": "groups", "items": "items", "events": "events",
        "channels": "channels", "calendar": "calendar", "feeds": "feeds", "webhooks": "webhooks",
        "reviews": "reviews", "notifications": "notifications", "dashboard": "dashboard", "attachments": "attachments",
        "labels": "labels", "tasks": "items", "search": "search", "openapi.json": "meta"}


def build_spec():
    spec = APISpec(title="Relais API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Collaborative publication workflow of a library network."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.schema("Problem", PROBLEM)
    # Nested schemas are registered before the schemas that nest them, so each gets one name.
    for name, schema in [("Item", s.ItemOut), ("ItemCreate", s.ItemCreateIn), ("ItemPatch", s.ItemPatchIn),
                         ("Move", s.MoveIn), ("Transition", s.TransitionIn), ("ReviewIn", s.ReviewIn),
                         ("Schedule", s.ScheduleIn), ("CommentIn", s.CommentIn), ("TokenIn", s.TokenIn), ("PasswordChange", s.PasswordChangeIn),
                         ("Group", s.GroupOut), ("Board", s.BoardOut), ("Comment", s.CommentOut),
                         ("Review", s.ReviewOut), ("Event", s.EventOut), ("Me", s.MeOut),
                         ("Channel", s.ChannelOut)]:
        spec.components.schema(name, schema=schema)
    ref = lambda n: {"$ref": f"#/components/schemas/{n}"}  # noqa: E731
    item_id = {**ID, "name": "item_id"}
    group_id = {**ID, "name": "group_id"}
    if_match = IF_MATCH
    item_out = dict(out=ref("Item"), etag=True)
    paths = {
        "/api/v1/openapi.json": {"get": _op("getOpenApiDocument", "This document", out={"type": "object"},
                                            public=True, errors=())},
        "/api/v1/me": {"get": _op("getMe", "The caller's account", out=ref("Me"), errors=(401,))},
        "/api/v1/tokens": {"post": _op(
            "createToken", "Exchange credentials for a personal API token", body=ref("TokenIn"),
            out={"type": "object", "properties": {"token": {"type": "string"}, "username": {"type": "string"}}},
            status=201, public=True, errors=(401, 422, 429),
            description="No credentials needed: the username and password are the credentials. Attempts are "
                        "limited per client address and per username (429 with Retry-After).")},
        "/api/v1/tokens/current": {"delete": _op("revokeCurrentToken",
                                                 "Revoke the token this request is authenticated with",
                                                 status=204, errors=(401, 404, 422))},
        "/api/v1/me/password": {"post": _op(
            "changePassword", "Change the caller's password; other sessions and tokens stop working",
            body=ref("PasswordChange"), status=204, errors=(401, 422))},
        "/api/v1/groups": {"get": _op("listGroups", "Groups the caller can see", out=ref("Group"), many=True,
                                      errors=(401,))},
        "/api/v1/groups/{group_id}/board": {"get": _op(
            "getBoard", "A group's board: columns in workflow order, cards in rank order", out=ref("Board"),
            params=[group_id, {"in": "query", "name": "include_hidden", "schema": {"type": "string"}}],
            conditional=True, errors=(401, 404))},
        "/api/v1/groups/{group_id}/items": {"post": _op("createItem", "Propose an item", body=ref("ItemCreate"),
                                                        status=201, params=[group_id], **item_out)},
        "/api/v1/items/{item_id}": {
            "get": _op("getItem", "An item", params=[item_id], conditional=True, errors=(401, 404), **item_out),
            "patch": _op("updateItem", "Edit an item (send the version read)", body=ref("ItemPatch"),
                         params=[item_id, if_match], errors=(401, 403, 404, 409, 422, 428), **item_out),
            "delete": _op("deleteItem", "Move an item to the trash", params=[item_id, if_match], **item_out),
        },
        "/api/v1/items/{item_id}/restore": {"post": _op("restoreItem", "Restore from the trash", params=[item_id],
                                                        **item_out)},
        "/api/v1/items/{item_id}/move": {"post": _op("moveItem", "Reorder and/or change column", body=ref("Move"),
                                                     params=[item_id, if_match], **item_out)},
        "/api/v1/items/{item_id}/transitions": {"post": _op("transitionItem", "A workflow transition",
                                                            body=ref("Transition"), params=[item_id, if_match],
                                                            **item_out)},
        "/api/v1/items/{item_id}/reviews": {
            "get": _op("listReviews", "Review decisions on an item", out=ref("Review"), many=True,
                       params=[item_id], errors=(401, 404)),
            "post": _op("reviewItem", "A lead's review decision", body=ref("ReviewIn"), out=ref("Review"),
                        status=201, params=[item_id, if_match]),
        },
        "/api/v1/items/{item_id}/schedule": {"post": _op("scheduleItem", "Schedule on a channel",
                                                         body=ref("Schedule"), params=[item_id, if_match],
                                                         **item_out)},
        "/api/v1/items/{item_id}/comments": {
            "get": _op("listComments", "Comments, oldest first", out=ref("Comment"), many=True, params=[item_id],
                       errors=(401, 404)),
            "post": _op("addComment", "Comment on an item", body=ref("CommentIn"), out=ref("Comment"), status=201,
                        params=[item_id]),
        },
        "/api/v1/items/{item_id}/history": {"get": _op("getItemHistory", "The item's events", out=ref("Event"),
                                                       many=True, params=[item_id], errors=(401, 404))},
        "/api/v1/events": {"get": _op(
            "listEvents", "Events since an id, oldest first",
            out={"type": "object", "properties": {"events": {"type": "array", "items": ref("Event")},
                                                  "last_event_id": {"type": "integer"},
                                                  "has_more": {"type": "boolean"}}},
            params=[{"in": "query", "name": n, "schema": {"type": "integer", "minimum": m}}
                    for n, m in (("since", 0), ("group", 1), ("limit", 1))],
            errors=(401, 404, 422))},
        "/api/v1/channels": {"get": _op("listChannels", "Publication channels", out=ref("Channel"), many=True,
                                        errors=(401,))},
        **calendar_paths(ref, _op),
        **review_paths(ref, _op),
        **dashboard_paths(ref, _op),
        **label_paths(ref, _op),
        **attachment_paths(ref, _op),
        **bulk_paths(ref, _op),
        **task_paths(ref, _op),
        **watch_paths(ref, _op),
        **my_work_paths(ref, _op),
        **member_paths(ref, _op),
        **search_paths(ref, _op),
    }
    for path, operations in paths.items():
        tag = TAGS[path.split("/")[3]]
        for method, operation in operations.items():
            operation.setdefault("tags", [tag])
            _complete(method, operation)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_spec())
