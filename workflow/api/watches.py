"""Following an item (« Suivre »): a thin door onto services.watches."""
from flask import jsonify

from ..services import watches as service
from .blueprint import bp
from .common import caller


@bp.get("/items/<int:item_id>/watch")
def get_watch(item_id):
    return jsonify(service.watch_state(caller(), item_id))


@bp.post("/items/<int:item_id>/watch")
def follow_item(item_id):
    state, changed = service.follow(caller(), item_id)
    return jsonify(state), 201 if changed else 200


@bp.delete("/items/<int:item_id>/watch")
def unfollow_item(item_id):
    state, _ = service.unfollow(caller(), item_id)
    return jsonify(state)
