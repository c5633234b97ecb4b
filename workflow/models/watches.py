"""Who follows an item (« Suivre »): one row per person and item. ``watching`` False
is an explicit « Ne plus suivre » and sticks: the automatic follows (author,
assignees, commenters; ``services.watches``) never turn it back on."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ItemWatch(db.Model):
    __tablename__ = "item_watches"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),
                      Index("ix_item_watches_item_watching", "item_id", "watching"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    watching: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
