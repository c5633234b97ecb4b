"""A board's columns: the WIP limit a lead sets (services.groups)."""
from flask import jsonify

from ..schemas.tasks import ColumnLimitOut, WipLimitIn
from ..services import groups as group_service
from .blueprint import bp
from .common import caller, json_body


@bp.patch("/groups/<int:group_id>/columns/<state>")
def set_wip_limit(group_id, state):
    user = caller()
    data = WipLimitIn().load(json_body())
    return jsonify(ColumnLimitOut().dump(group_service.set_wip_limit(user, group_id, state, data["wip_limit"])))
