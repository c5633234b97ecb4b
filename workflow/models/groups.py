"""Working groups and who belongs to them."""
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.roles import MEMBERSHIP_ROLES
from ..extensions import db


class Group(db.Model):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # {"in_review": 5, ...}: a column over its limit is marked, not blocked.
    wip_limits: Mapped[dict] = mapped_column(JSON, default=dict)
    # Calendar colour of the group (a CSS hex colour).
    color: Mapped[str] = mapped_column(String(7), default="#1f5fbf", server_default="#1f5fbf")
    # Working days a review may wait before reminders and escalation.
    review_limit_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # 1, or 2 for "two approvals from different leads".
    required_approvals: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The board log's head: the seq of the board's latest event. Incremented by the
    # writing transaction (UPDATE … RETURNING), whose row lock serialises the board's
    # writers, so seqs are gapless and in commit order (docs/realtime.md).
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'lead')", name="role"),
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    group: Mapped[Group] = relationship(back_populates="memberships")


assert set(MEMBERSHIP_ROLES) == {"agent", "lead"}


class ChecklistEntry(db.Model):
    """One point a lead must tick before approving an item of a resource type, per group."""

    __tablename__ = "checklist_entries"
    __table_args__ = (UniqueConstraint("group_id", "resource_type", "label"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    resource_type: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
