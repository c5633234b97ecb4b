"""Comments on items."""
from sqlalchemy import func, select, update

from ..domain import permissions as perm
from ..domain.errors import N_, Conflict
from ..extensions import db
from ..models import Comment, Item, utcnow
from .common import load_item
from .notifications import mention_directory
from .unit_of_work import unit_of_work

CREATED = "comment.created"


def add_comment(user, item_id, body):
    """Comment on an item the user can see. Raises NotFound, Forbidden, Conflict (trashed item)."""
    item, actor = load_item(user, item_id, for_update=True)
    perm.require(actor, perm.COMMENT)
    if item.deleted:
        raise Conflict(N_("This item is in the trash; restore it before commenting."))
    with unit_of_work() as uow:
        comment = Comment(item_id=item.id, author_id=user.id, body=body, created_at=utcnow())
        db.session.add(comment)
        # A counter on the item keeps the board at a fixed number of queries. It is
        # incremented in SQL, not through the ORM: a comment is not an edit, so it must
        # not bump the item's version (20 people commenting at once would get 409s,
        # and an open edit form would go stale).
        db.session.execute(update(Item).where(Item.id == item.id)
                           .values(comment_count=func.coalesce(Item.comment_count, 0) + 1)
                           .execution_options(synchronize_session=False))
        db.session.flush()
        db.session.refresh(item, ["comment_count"])
        from ..schemas.outputs import dump_comments, dump_item

        uow.record(CREATED, actor_user=user, group_id=item.group_id, item=item,
                   payload={"comment": dump_comments([comment], mention_directory(item.group_id, [body]))[0],
                            "item": dump_item(item)})
    return comment


def list_comments(user, item_id):
    """Comments of a visible item, oldest first. Raises NotFound."""
    return comments_with_mentions(user, item_id)[0]


def comments_with_mentions(user, item_id):
    """``(comments, mentions)``: the comments of a visible item, oldest first, and the
    members of its group they mention (for ``CommentOut``'s context). Raises NotFound."""
    item, _ = load_item(user, item_id)
    comments = list(db.session.scalars(
        select(Comment).where(Comment.item_id == item.id).order_by(Comment.created_at, Comment.id)))
    return comments, mention_directory(item.group_id, [c.body for c in comments])


def mentions_in(comment):
    """The members of the comment's item's group that ``comment`` mentions."""
    item = db.session.get(Item, comment.item_id)
    return mention_directory(item.group_id, [comment.body])
