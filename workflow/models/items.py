"""Items (proposed publications) with their labels, assignees, comments and reviews."""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Table,
                        Text, UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.states import STATES
from ..extensions import db
from .base import UTCDateTime, utcnow

RESOURCE_TYPES = ("video", "self_training", "ebook", "article", "kids", "audio", "other")
DECISIONS = ("approve", "request_changes", "reject")

item_labels = Table(
    "item_labels", db.metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True, index=True),
)

item_assignees = Table(
    "item_assignees", db.metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Label(db.Model):
    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("group_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # A key of domain.labels.PALETTE (the background and text colours are the palette's).
    color: Mapped[str] = mapped_column(String(20), default="gray", server_default="gray")


def _in(values):
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(f"state IN {_in(STATES)}", name="state"),
        CheckConstraint(f"resource_type IN {_in(RESOURCE_TYPES)}", name="resource_type"),
        Index("ix_items_board", "group_id", "deleted", "state", "rank"),
        Index("ix_items_due", "state", "scheduled_at"),
        Index("ix_items_calendar", "scheduled_at", "channel_id"),
        Index("ix_items_review_queue", "state", "group_id", "submitted_at"),
        # The dashboard's publications per week and lead times, read from the index alone.
        Index("ix_items_published", "group_id", "deleted", "published_at", "created_at", "channel_id",
              "resource_type"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    resource_type: Mapped[str] = mapped_column(String(20))
    resource_url: Mapped[str | None] = mapped_column(String(2048))
    audience: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    # State before archiving, so restoring from the archive brings it back there.
    archived_from: Mapped[str | None] = mapped_column(String(20))
    # Ranks compare byte by byte, as domain/ranking.py does ("B" < "a"): on PostgreSQL
    # the column's collation is "C" whatever the database's locale (fr_FR would sort "a" < "B").
    rank: Mapped[str] = mapped_column(String(255).with_variant(String(255, collation="C"), "postgresql"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The slot a scheduled item keeps while a content edit sends it back to review: the
    # calendar shows it pending and counts it; a re-approval puts the item back on it.
    held_slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # The attachment shown as the card's cover (an image of this item). A plain id, no
    # foreign key (items and attachments would reference each other): the attachments
    # service sets it and clears it when that attachment goes.
    cover_attachment_id: Mapped[int | None] = mapped_column(Integer)
    # The to-do list's progress ("2/5" on the card), kept by services.tasks: counters,
    # so the board shows it without a query per card; changed in SQL (not an edit: no new version).
    tasks_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tasks_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Review: the lead who claimed it, how many rounds it has been through,
    # when it was escalated for waiting too long.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A lead sent it back for changes and it has not been submitted again since (the board's mark).
    changes_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "À préparer pour le …": when the item must be ready (overdue marks, reminders).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # End of the licence: the item is withdrawn from publication after it.
    licence_end: Mapped[date | None] = mapped_column(Date)
    # Publication sequence for calendar feeds (RFC 5545 SEQUENCE), raised on reschedule.
    schedule_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped["Group"] = relationship()  # noqa: F821
    author: Mapped["User"] = relationship(foreign_keys=[author_id])  # noqa: F821
    channel: Mapped["Channel | None"] = relationship()  # noqa: F821
    claimed_by: Mapped["User | None"] = relationship(foreign_keys=[claimed_by_id])  # noqa: F821
    labels: Mapped[list[Label]] = relationship(secondary=item_labels, order_by=Label.name)
    assignees: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=item_assignees, order_by="User.username"
    )

    # Optimistic locking: every UPDATE says "WHERE version = <the one I read>",
    # so of two racing writers one wins and the other gets StaleDataError (→ 409).
    __mapper_args__ = {"version_id_col": version}


class Comment(db.Model):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped["User"] = relationship()  # noqa: F821


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(f"decision IN {_in(DECISIONS)}", name="decision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    item_version: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The content the decision was about (title, summary, body, resource_url...), for the
    # "what changed since the last review" diff; and the checklist points ticked.
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer: Mapped["User"] = relationship()  # noqa: F821
