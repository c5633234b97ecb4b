"""Working groups and their boards."""
import hashlib

from flask import current_app, jsonify, request

from ..models import utcnow
from ..schemas import GroupOut, ItemCreateIn, ItemOut
from ..schemas.inputs import MembersQueryIn
from ..schemas.outputs import MemberOut
from ..schemas.outputs import dump_board
from ..services import items as item_service
from ..services import queries
from .blueprint import bp
from .common import caller, json_body, with_etag


@bp.get("/groups")
def list_groups():
    return jsonify(GroupOut(many=True).dump(queries.groups_for(caller())))


@bp.get("/groups/<int:group_id>/board")
def board(group_id):
    """The board, with an ETag: every change to a board records an event of its
    group, so (group, last event, caller, arguments, hour of the published cut-off)
    names its content, and an unchanged board costs a 304 without reading a card."""
    user = caller()
    include_hidden = request.args.get("include_hidden", "0") in ("1", "true", "yes")
    days = current_app.config["PUBLISHED_BOARD_DAYS"]
    now = utcnow()
    version = queries.board_version(user, group_id)
    key = "|".join(map(str, (group_id, version[2], user.id, include_hidden, days,
                             queries.board_cutoff(now, days).isoformat(), sorted(request.args.items(multi=True)))))
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    # Weak comparison (RFC 9110 §13.1.2): a compressed board's ETag is W/"…" (see compression).
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        data = queries.board(user, group_id, include_hidden=include_hidden, now=now, published_days=days,
                             version=version)
        response = jsonify(dump_board(data))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/groups/<int:group_id>/members")
def list_members(group_id):
    """The group's active members matching ``q``, for the @mention picker (404 for a
    group the caller cannot see)."""
    args = MembersQueryIn().load(request.args.to_dict())
    return jsonify(MemberOut(many=True).dump(queries.matching_members(caller(), group_id, args["q"], args["limit"])))


@bp.post("/groups/<int:group_id>/items")
def create_item(group_id):
    data = ItemCreateIn().load(json_body())
    item = item_service.create_item(caller(), group_id, data)
    response = jsonify(ItemOut().dump(item))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/items/{item.id}"
    return with_etag(response, item.version)
