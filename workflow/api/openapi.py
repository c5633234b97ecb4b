"""The OpenAPI 3 document, generated from the marshmallow schemas the API
really uses (apispec). The paths table below is the API's contents list."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from .. import schemas as s
from .calendar_doc import calendar_paths
from .reviews_doc import review_paths
from .dashboard_doc import dashboard_paths
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


def _op(summary, *, body=None, out=None, status=200, many=False, params=(), errors=(401, 403, 404, 409, 422)):
    op = {"summary": summary, "responses": {}}
    if params:
        op["parameters"] = list(params)
        if any(p.get("name") == "If-Match" for p in params):
            errors = tuple(errors) + (400,)  # a malformed If-Match
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        errors = tuple(errors) + (400, 415)
    content = None
    if out is not None:
        schema = {"type": "array", "items": out} if many else out
        content = {"application/json": {"schema": schema}}
    op["responses"][str(status)] = {"description": "OK", **({"content": content} if content else {})}
    for code in sorted(set(errors)):
        op["responses"][str(code)] = {"description": "Problem",
                                      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    op["security"] = [{"bearer": []}, {"session": []}]
    return op


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
    if_match = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}
    paths = {
        "/api/v1/me": {"get": _op("The caller's account", out=ref("Me"), errors=(401,))},
        "/api/v1/tokens": {"post": _op("Exchange credentials for a personal API token", body=ref("TokenIn"),
                                       out={"type": "object", "properties": {"token": {"type": "string"},
                                                                              "username": {"type": "string"}}},
                                       status=201, errors=(401, 422))},
        "/api/v1/tokens/current": {"delete": _op("Revoke the token this request is authenticated with",
                                                 status=204, errors=(401, 404, 422))},
        "/api/v1/me/password": {"post": _op(
            "Change the caller's password; other sessions and tokens stop working",
            body=ref("PasswordChange"), status=204, errors=(401, 422))},
        "/api/v1/groups": {"get": _op("Groups the caller can see", out=ref("Group"), many=True, errors=(401,))},
        "/api/v1/groups/{group_id}/board": {"get": _op(
            "A group's board: columns in workflow order, cards in rank order", out=ref("Board"),
            params=[group_id, {"in": "query", "name": "include_hidden", "schema": {"type": "string"}}],
            errors=(401, 404))},
        "/api/v1/groups/{group_id}/items": {"post": _op("Propose an item", body=ref("ItemCreate"), out=ref("Item"),
                                                        status=201, params=[group_id])},
        "/api/v1/items/{item_id}": {
            "get": _op("An item", out=ref("Item"), params=[item_id], errors=(401, 404)),
            "patch": _op("Edit an item (send the version read)", body=ref("ItemPatch"), out=ref("Item"),
                         params=[item_id, if_match], errors=(401, 403, 404, 409, 422, 428)),
            "delete": _op("Move an item to the trash", out=ref("Item"), params=[item_id, if_match]),
        },
        "/api/v1/items/{item_id}/restore": {"post": _op("Restore from the trash", out=ref("Item"), params=[item_id])},
        "/api/v1/items/{item_id}/move": {"post": _op("Reorder and/or change column", body=ref("Move"),
                                                     out=ref("Item"), params=[item_id, if_match])},
        "/api/v1/items/{item_id}/transitions": {"post": _op("A workflow transition", body=ref("Transition"),
                                                            out=ref("Item"), params=[item_id, if_match])},
        "/api/v1/items/{item_id}/reviews": {
            "get": _op("Review decisions on an item", out=ref("Review"), many=True, params=[item_id], errors=(401, 404)),
            "post": _op("A lead's review decision", body=ref("ReviewIn"), out=ref("Review"), status=201,
                        params=[item_id, if_match]),
        },
        "/api/v1/items/{item_id}/schedule": {"post": _op("Schedule on a channel", body=ref("Schedule"),
                                                         out=ref("Item"), params=[item_id, if_match])},
        "/api/v1/items/{item_id}/comments": {
            "get": _op("Comments, oldest first", out=ref("Comment"), many=True, params=[item_id], errors=(401, 404)),
            "post": _op("Comment on an item", body=ref("CommentIn"), out=ref("Comment"), status=201, params=[item_id]),
        },
        "/api/v1/items/{item_id}/history": {"get": _op("The item's events", out=ref("Event"), many=True,
                                                       params=[item_id], errors=(401, 404))},
        "/api/v1/events": {"get": _op(
            "Events since an id, oldest first",
            out={"type": "object", "properties": {"events": {"type": "array", "items": ref("Event")},
                                                  "last_event_id": {"type": "integer"},
                                                  "has_more": {"type": "boolean"}}},
            params=[{"in": "query", "name": n, "schema": {"type": "integer", "minimum": m}}
                    for n, m in (("since", 0), ("group", 1), ("limit", 1))],
            errors=(401, 404, 422))},
        "/api/v1/channels": {"get": _op("Publication channels", out=ref("Channel"), many=True, errors=(401,))},
        **calendar_paths(ref, _op),
        **review_paths(ref, _op),
        **dashboard_paths(ref, _op),
    }
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_spec())
