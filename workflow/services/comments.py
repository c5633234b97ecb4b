"""Comments on items."""
from sqlalchemy import select

from ..domain import permissions as perm
from ..domain.errors import Conflict
from ..extensions import db
from ..models import Comment, utcnow
from .common import load_item, unit_of_work

CREATED = "comment.created"


def add_comment(user, item_id, body):
    """Comment on an item the user can see. Raises NotFound, Forbidden, Conflict (trashed item)."""
    item, actor = load_item(user, item_id)
    perm.require(actor, perm.COMMENT)
    if item.deleted:
        raise Conflict("This item is in the trash; restore it before commenting.")
    with unit_of_work() as uow:
        comment = Comment(item_id=item.id, author_id=user.id, body=body, created_at=utcnow())
        db.session.add(comment)
        # A counter on the item keeps the board at a fixed number of queries.
        item.comment_count = (item.comment_count or 0) + 1
        db.session.flush()
        from ..schemas.outputs import CommentOut, dump_item

        uow.record(CREATED, actor_user=user, group_id=item.group_id, item=item,
                   payload={"comment": CommentOut().dump(comment), "item": dump_item(item)})
    return comment


def list_comments(user, item_id):
    """Comments of a visible item, oldest first. Raises NotFound."""
    item, _ = load_item(user, item_id)
    return list(db.session.scalars(
        select(Comment).where(Comment.item_id == item.id).order_by(Comment.created_at, Comment.id)))
