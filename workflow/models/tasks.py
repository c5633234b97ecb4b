"""An item's to-do list ("Liste de tâches"): short tasks anyone who may edit the item
adds and ticks, with who ticked each and when. Not the reviewers' checklist (per group
and resource type, ``ChecklistEntry``), and not content: ticking a task never sends an
approved item back to review. The item keeps ``tasks_done``/``tasks_total`` counters
(maintained by ``services.tasks``) so the board shows "2/5" without a query per card."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

MAX_TASK_TEXT = 500
MAX_TASKS_PER_ITEM = 100


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_item_position", "item_id", "position"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    text: Mapped[str] = mapped_column(String(MAX_TASK_TEXT))
    # The order of the list: a new task goes at the end.
    position: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who ticked it and when (cleared when it is unticked).
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    done_by: Mapped["User | None"] = relationship(foreign_keys=[done_by_id])  # noqa: F821
