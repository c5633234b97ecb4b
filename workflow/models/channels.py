"""Channels where items are published, with their daily capacity and blackout dates."""
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Channel(db.Model):
    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    daily_capacity: Mapped[int] = mapped_column(Integer, default=3)
    blackout_dates: Mapped[list["BlackoutDate"]] = relationship(
        back_populates="channel", cascade="all, delete-orphan", order_by="BlackoutDate.day"
    )


class BlackoutDate(db.Model):
    __tablename__ = "blackout_dates"
    __table_args__ = (UniqueConstraint("channel_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[Channel] = relationship(back_populates="blackout_dates")
