"""Items: read, edit, move, transitions, reviews, scheduling, comments, history."""
from flask import current_app, jsonify, request

from ..schemas import (CommentIn, EventOut, ItemPatchIn, MoveIn, ReviewIn,
                       ReviewOut, ScheduleIn, TransitionIn)
from ..i18n import translate_text
from ..schemas.outputs import dump_board_item, dump_comments
from ..services import comments as comment_service
from ..services import items as item_service
from ..services import workflow as workflow_service
from ..services import queries
from .blueprint import bp
from .common import caller, expected_version, json_body, read_only, with_etag


def _item_response(item, status=200):
    # ItemOut as a plain function (the board's dumper; tests compare it with ItemOut).
    response = jsonify(dump_board_item(item))
    response.status_code = status
    return with_etag(response, item.version)


@bp.get("/items/<int:item_id>")
@read_only
def get_item(item_id):
    """The item; 304 without a body when If-None-Match names its current ETag
    (weak comparison, as RFC 9110 asks of If-None-Match: ``W/"3"`` matches ``"3"``;
    ``*`` matches any item; a list matches when one of its tags does)."""
    item = queries.item_read(caller(), item_id)
    if request.if_none_match.contains_weak(f"{item.version}"):
        return with_etag(current_app.response_class(status=304), item.version)
    return _item_response(item)


@bp.patch("/items/<int:item_id>")
def patch_item(item_id):
    user = caller()
    data = ItemPatchIn().load(json_body())
    version = expected_version(data, required=True)
    data.pop("version", None)
    item = item_service.update_item(user, item_id, data, version)
    return _item_response(item)


@bp.delete("/items/<int:item_id>")
def delete_item(item_id):
    user = caller()
    item = item_service.delete_item(user, item_id, expected_version({}))
    return _item_response(item)


@bp.post("/items/<int:item_id>/restore")
def restore_item(item_id):
    return _item_response(item_service.restore_item(caller(), item_id))


@bp.post("/items/<int:item_id>/move")
def move_item(item_id):
    user = caller()
    data = MoveIn().load(json_body())
    item = workflow_service.move_item(user, item_id, state=data.get("state"), before_id=data.get("before_id"),
                                  after_id=data.get("after_id"), comment=data.get("comment"),
                                  expected_version=expected_version(data))
    return _item_response(item)


@bp.post("/items/<int:item_id>/transitions")
def transition_item(item_id):
    user = caller()
    data = TransitionIn().load(json_body())
    item = workflow_service.transition_item(user, item_id, data["to"], data.get("comment"),
                                        expected_version=expected_version(data))
    return _item_response(item)


@bp.get("/items/<int:item_id>/reviews")
def list_reviews(item_id):
    return jsonify(ReviewOut(many=True).dump(queries.reviews_of(caller(), item_id)))


@bp.post("/items/<int:item_id>/reviews")
def review_item(item_id):
    user = caller()
    data = ReviewIn().load(json_body())
    review = workflow_service.review_item(user, item_id, data["decision"], data.get("comment", ""),
                                      expected_version=expected_version(data), checklist=data.get("checklist"))
    out = ReviewOut().dump(review)
    held = getattr(review, "held_slot", None)
    if held:  # what became of the slot the item held while back in review
        out["held_slot"] = {"at": held["at"].isoformat(), "restored": held["restored"],
                            "message": translate_text(held["message"].msgid, held["message"].params)}
    return jsonify(out), 201


@bp.post("/items/<int:item_id>/schedule")
def schedule_item(item_id):
    user = caller()
    data = ScheduleIn().load(json_body())
    item = workflow_service.schedule_item(user, item_id, data["scheduled_at"], data["channel"],
                                      expected_version=expected_version(data))
    return _item_response(item)


@bp.get("/items/<int:item_id>/comments")
def list_comments(item_id):
    comments, mentions = comment_service.comments_with_mentions(caller(), item_id)
    return jsonify(dump_comments(comments, mentions))


@bp.post("/items/<int:item_id>/comments")
def add_comment(item_id):
    user = caller()
    data = CommentIn().load(json_body())
    comment = comment_service.add_comment(user, item_id, data["body"])
    return jsonify(dump_comments([comment], comment_service.mentions_in(comment))[0]), 201


@bp.get("/items/<int:item_id>/history")
def item_history(item_id):
    return jsonify(EventOut(many=True).dump(queries.history(caller(), item_id)))
