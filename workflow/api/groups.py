"""Working groups and their boards."""
from flask import current_app, jsonify, request

from ..schemas import BoardOut, GroupOut, ItemCreateIn, ItemOut
from ..services import items as item_service
from ..services import queries
from . import bp
from .common import caller, json_body, with_etag


@bp.get("/groups")
def list_groups():
    return jsonify(GroupOut(many=True).dump(queries.groups_for(caller())))


@bp.get("/groups/<int:group_id>/board")
def board(group_id):
    include_hidden = request.args.get("include_hidden", "0") in ("1", "true", "yes")
    data = queries.board(caller(), group_id, include_hidden=include_hidden,
                         published_days=current_app.config["PUBLISHED_BOARD_DAYS"])
    return jsonify(BoardOut().dump(data))


@bp.post("/groups/<int:group_id>/items")
def create_item(group_id):
    data = ItemCreateIn().load(json_body())
    item = item_service.create_item(caller(), group_id, data)
    response = jsonify(ItemOut().dump(item))
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/items/{item.id}"
    return with_etag(response, item.version)
