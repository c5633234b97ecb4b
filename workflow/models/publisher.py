"""The publisher's lease: one row naming the process that publishes due items
and sends webhooks, until when, and when it last ran (the pages show it)."""
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class PublisherLease(db.Model):
    __tablename__ = "publisher_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_published: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
