"""The append-only event log: every change, its actor, group and payload.
It is an item's history and the feed clients catch up from.

A state change (a transition, a move to another column, a review decision, the
publication run…) says ``{"from": state, "to": state}`` in its payload; the same two
values are kept in the ``from_state`` / ``to_state`` columns and indexed, because the
dashboard reads them for tens of thousands of events at a time, and reading them out
of the payload meant fetching and parsing each row's JSON (kilobytes: it carries the
item)."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
EventId = BigInteger().with_variant(Integer(), "sqlite")


def _payload_state(key):
    """A column default copying the payload's top-level ``key`` ("from" or "to") when
    it is a string. As a default it runs for every INSERT, whoever writes the row
    (``UnitOfWork.record``, the publication run, a bulk insert), so the columns
    cannot disagree with the payload they summarise."""
    def default(context):
        payload = context.get_current_parameters().get("payload")
        value = payload.get(key) if isinstance(payload, dict) else None
        return value if isinstance(value, str) else None
    return default


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_group_id_id", "group_id", "id"),
        # The board log: one seq per event of a board, never twice.
        UniqueConstraint("group_id", "seq", name="uq_events_group_seq"),
        # The dashboard's reads, each answered from an index alone (the rows hold the
        # payload, kilobytes each): a group's events by time, with what they changed...
        Index("ix_events_group_time", "group_id", "created_at", "item_id", "type", "from_state", "to_state"),
        # ...those that left a state, by group and time (the reviews that ended)...
        Index("ix_events_left", "from_state", "group_id", "created_at", "to_state", "item_id"),
        # ...and an item's last entry into a state before a given event (when a review began).
        Index("ix_events_item_entered", "item_id", "to_state", "id", "from_state", "created_at"),
    )
    # Drawn while the writing transaction holds the event log's lock until its commit
    # (``services.common.stamp_events``), so ids grow in commit order: a reader of
    # ``/events?since=`` never passes over a row that commits later.
    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    # The event's place in its board's log (1, 2, 3…); None for events of no board.
    seq: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(40), default=_payload_state("from"))
    to_state: Mapped[str | None] = mapped_column(String(40), default=_payload_state("to"))
    actor: Mapped["User | None"] = relationship()  # noqa: F821

