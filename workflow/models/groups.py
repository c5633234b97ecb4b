"""Working groups and who belongs to them."""
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
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
