"""Actions on several cards at once (all or nothing) and the duplication of a card."""
from flask import jsonify

from ..schemas.bulk import BulkIn, BulkOut
from ..services import bulk as bulk_service
from ..services import items as item_service
from .blueprint import bp
from .common import caller, json_body, with_etag
from ..schemas.outputs import dump_board_item

_bulk_out = BulkOut()


@bp.post("/items/bulk")
def bulk_items():
    data = BulkIn().load(json_body())
    items, changed = bulk_service.bulk_action(caller(), data.pop("ids"), data.pop("action"), **data)
    return jsonify(_bulk_out.dump({"items": items, "changed": changed}))


@bp.post("/items/<int:item_id>/duplicate")
def duplicate_item(item_id):
    item = item_service.duplicate_item(caller(), item_id)
    response = jsonify(dump_board_item(item))
    response.status_code = 201
    return with_etag(response, item.version)
