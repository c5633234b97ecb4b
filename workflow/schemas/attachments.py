"""How an attachment and an item's cover look in the API. Their URLs are fixed paths
under /api/v1 made from the id (no request needed), so a board of 1,000 cards names
its covers without a query."""
from marshmallow import Schema, fields

FILE_PATH = "/api/v1/attachments/{id}"


def file_url(attachment_id):
    return FILE_PATH.format(id=attachment_id)


def thumbnail_url(attachment_id):
    """The panel's preview of an image attachment."""
    return f"{file_url(attachment_id)}?thumbnail=1"


def cover_url(attachment_id):
    """The crop a card shows as its cover."""
    return f"{file_url(attachment_id)}?thumbnail=cover"


def cover_of(attachment_id):
    """An item's ``cover``: ``{id, thumbnail_url}`` or None."""
    return {"id": attachment_id, "thumbnail_url": cover_url(attachment_id)} if attachment_id else None


class _Uploader(Schema):  # UserBrief's fields (outputs.py imports this module)
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class AttachmentOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    url = fields.Function(lambda a: file_url(a.id))
    thumbnail_url = fields.Function(lambda a: thumbnail_url(a.id) if a.thumbnail_key else None, allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    uploader = fields.Nested(_Uploader)


_attachment_out = AttachmentOut()


def dump_attachment(attachment):
    return _attachment_out.dump(attachment)
