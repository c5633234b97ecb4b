"""Reviews: the lead's queue, claiming, rounds, the diff since the last
review, and each group's checklists. (The decision itself is
POST /items/<id>/reviews in items.py.)"""
from flask import jsonify

from ..schemas.outputs import dump_item
from ..schemas.reviews import ChecklistIn, QueueEntryOut
from ..services import reviews as review_service
from ..services import workflow as workflow_service
from .blueprint import bp
from .common import caller, json_body


@bp.get("/reviews/queue")
def review_queue():
    return jsonify(QueueEntryOut(many=True).dump(review_service.review_queue(caller())))


@bp.post("/items/<int:item_id>/claim")
def claim_item(item_id):
    return jsonify(dump_item(workflow_service.claim_item(caller(), item_id)))


@bp.delete("/items/<int:item_id>/claim")
def release_claim(item_id):
    return jsonify(dump_item(workflow_service.release_claim(caller(), item_id)))


@bp.get("/items/<int:item_id>/rounds")
def review_rounds(item_id):
    return jsonify(review_service.rounds(caller(), item_id))


@bp.get("/items/<int:item_id>/diff")
def diff_since_last_review(item_id):
    return jsonify(review_service.diff_since_last_review(caller(), item_id))


@bp.get("/groups/<int:group_id>/checklists")
def group_checklists(group_id):
    return jsonify(review_service.checklists(caller(), group_id))


@bp.put("/groups/<int:group_id>/checklists/<resource_type>")
def set_group_checklist(group_id, resource_type):
    user = caller()
    data = ChecklistIn().load(json_body())
    labels = review_service.set_checklist(user, group_id, resource_type, data["labels"])
    return jsonify({"resource_type": resource_type, "labels": labels})
