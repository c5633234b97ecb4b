"""Files attached to an item (images, PDF, audio/video, office documents). The row
holds the storage keys of the file and, for an image, of its thumbnail and cover
crop; the bytes live in the storage (``services.storage``)."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Attachment(db.Model):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # As the uploader named it (shown, and offered when downloading); never used as a path.
    filename: Mapped[str] = mapped_column(String(255))
    # Found from the file's content, never from its name or the browser's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    # Not unique: a duplicated item's attachments point at their original's files
    # (services.attachments deletes a file with the last row naming it).
    storage_key: Mapped[str] = mapped_column(String(300), index=True)
    # Images only: a small preview for the panel and a crop for the card's cover.
    thumbnail_key: Mapped[str | None] = mapped_column(String(300))
    cover_key: Mapped[str | None] = mapped_column(String(300))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped["User"] = relationship()  # noqa: F821

    @property
    def keys(self):
        """Every storage key of this attachment (the file and its image variants)."""
        return [k for k in (self.storage_key, self.thumbnail_key, self.cover_key) if k]
