"""The types of the events a board's log holds (docs/realtime.md), in one list
served to the pages' JavaScript: a board's sockets receive each under its name."""

ITEM_CREATED = "item.created"
ITEM_UPDATED = "item.updated"
ITEM_MOVED = "item.moved"
ITEM_TRANSITIONED = "item.transitioned"
ITEM_SCHEDULED = "item.scheduled"
ITEM_PUBLISHED = "item.published"
ITEM_DELETED = "item.deleted"
ITEM_RESTORED = "item.restored"
ITEM_PURGED = "item.purged"
ITEM_CLAIMED = "item.claimed"
ITEM_UNCLAIMED = "item.unclaimed"
ITEM_LICENCE_EXPIRED = "item.licence_expired"
COMMENT_CREATED = "comment.created"
ATTACHMENT_CREATED = "attachment.created"
ATTACHMENT_DELETED = "attachment.deleted"
REVIEW_CREATED = "review.created"
REVIEW_OVERDUE = "review.overdue"
REVIEW_ESCALATED = "review.escalated"
CHECKLIST_UPDATED = "checklist.updated"
COLUMN_REBALANCED = "column.rebalanced"
COLUMN_WIP_LIMIT_CHANGED = "column.wip_limit_changed"
TASK_CREATED = "task.created"
TASK_UPDATED = "task.updated"
TASK_DELETED = "task.deleted"
GROUP_CREATED = "group.created"
GROUP_UPDATED = "group.updated"
MEMBERSHIP_ADDED = "membership.added"
MEMBERSHIP_REMOVED = "membership.removed"
LABEL_CREATED = "label.created"
LABEL_UPDATED = "label.updated"
LABEL_DELETED = "label.deleted"
ITEM_DUE_REMINDED = "item.due_reminded"

# Every type a board event may have: each takes the board's next seq.
BOARD_EVENT_TYPES = (
    ITEM_CREATED, ITEM_UPDATED, ITEM_MOVED, ITEM_TRANSITIONED, ITEM_SCHEDULED, ITEM_PUBLISHED,
    ITEM_DELETED, ITEM_RESTORED, ITEM_PURGED, ITEM_CLAIMED, ITEM_UNCLAIMED, ITEM_LICENCE_EXPIRED,
    COMMENT_CREATED, REVIEW_CREATED, REVIEW_OVERDUE, REVIEW_ESCALATED, CHECKLIST_UPDATED,
    COLUMN_REBALANCED, GROUP_CREATED, GROUP_UPDATED, MEMBERSHIP_ADDED, MEMBERSHIP_REMOVED,
    LABEL_CREATED, LABEL_UPDATED, LABEL_DELETED, ITEM_DUE_REMINDED,
    ATTACHMENT_CREATED, ATTACHMENT_DELETED,
    COLUMN_WIP_LIMIT_CHANGED, TASK_CREATED, TASK_UPDATED, TASK_DELETED,
)
# What each page listens to (a subset of the board's log): the calendar refreshes on
# these, the review queue on those.
CALENDAR_EVENT_TYPES = (
    ITEM_SCHEDULED, ITEM_PUBLISHED, ITEM_MOVED, ITEM_TRANSITIONED, ITEM_UPDATED, ITEM_DELETED,
    ITEM_RESTORED, REVIEW_CREATED,
)
QUEUE_EVENT_TYPES = (
    ITEM_CREATED, ITEM_UPDATED, ITEM_MOVED, ITEM_TRANSITIONED, ITEM_DELETED, ITEM_RESTORED,
    REVIEW_CREATED, ITEM_CLAIMED, ITEM_UNCLAIMED,
)
# Not in the log: the board's head, sent to its room every BOARD_HEARTBEAT seconds.
BOARD_HEAD = "board.head"
# Not in the log either: to a person's own room (``user:<id>``) after a commit that may
# change their "Mon travail" sections; the page fetches them again.
WORK_CHANGED = "work.changed"
