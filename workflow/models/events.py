"""The append-only event log: every change, its actor, group and payload.
It is an item's history and the feed clients catch up from."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_group_id_id", "group_id", "id"),)
    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped["User | None"] = relationship()  # noqa: F821
