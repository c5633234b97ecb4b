"""Attachments of an item: upload, list, fetch, delete, and the item's cover.

A file's type is found from its content (``filetype``, and for office documents the
zip container's own structure), never from its name or the browser's claim; only the
types of ``ALLOWED`` are kept. Images are re-encoded with their EXIF orientation
applied and their metadata (GPS position, camera...) dropped, and get a thumbnail for
the panel and a cover crop for the card. The first image of an item without a cover
becomes its cover.

Nothing is half-stored: the files are written before the row, and deleted again when
the row's transaction fails; a deleted row's files go after its commit, unless another
row still names them (a duplicated item's attachments share their original's files). Who may do
what: those who may see the item list and fetch its files (others get NotFound, as
for the item); those who may edit it upload; the uploader, the group's leads,
coordinators and admins delete.
"""
import io
import logging
import uuid
import zipfile

import filetype
from sqlalchemy import delete, select
from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain import permissions as perm
from ..domain.errors import N_, DomainError, Invalid, NotFound
from ..domain.events import ATTACHMENT_CREATED, ATTACHMENT_DELETED
from ..extensions import db
from ..models import Attachment, utcnow
from ..schemas.attachments import dump_attachment
from ..schemas.outputs import dump_item
from .common import load_editable_item, load_item
from .items import send_back_if_content
from .storage import FileMissing, get_storage
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)

IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
MEDIA = {"application/pdf": "pdf", "audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/x-wav": "wav",
         "audio/mp4": "m4a", "audio/x-flac": "flac", "audio/aac": "aac", "video/mp4": "mp4",
         "video/webm": "webm", "video/quicktime": "mov", "video/x-m4v": "m4v"}
TEXT = "text/plain"
TEXT_EXTENSIONS = (".txt", ".csv", ".md")
ALLOWED = {**IMAGES, **OFFICE, **MEDIA, TEXT: "txt"}
# What the refusal says is accepted.
ALLOWED_NAMES = "PNG, JPEG, GIF, WebP, PDF, MP3, OGG, WAV, M4A, FLAC, MP4, WebM, MOV, DOCX, XLSX, PPTX, ODT, ODS, ODP, TXT, CSV"
# The part of an OOXML package that makes it that kind of document.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
MAX_PIXELS = 60_000_000  # a decompression bomb is refused before it is decoded
THUMBNAIL_BOX = (480, 480)
COVER_SIZE = (640, 320)


class FileTooLarge(DomainError):
    status = 413
    title = N_("File too large")


class UnsupportedType(DomainError):
    status = 415
    title = N_("File type not accepted")


def mebibytes(size):
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def too_large(limit):
    return FileTooLarge(N_("This file is larger than the limit of %(limit)s MiB per attachment."),
                        params={"limit": mebibytes(limit)}, limit_bytes=limit)


def _refused(detail=None):
    return UnsupportedType(detail or N_("This kind of file is not accepted (its content was checked, not its "
                                        "name). Accepted: %(types)s."), params={"types": ALLOWED_NAMES})


# ---------------------------------------------------------------- what a file is

def _office_kind(data, guess):
    """The office type of a zip container, from its own structure: an OOXML package with
    its main part and no macros, or an OpenDocument whose ``mimetype`` entry says which."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            declared = archive.read("mimetype").decode("ascii", "replace").strip()
            return declared if declared in OFFICE and OFFICE[declared].startswith("od") else None
        if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
            return None
        for mime, ext in OFFICE.items():
            if ext in OOXML_MAIN_PART and OOXML_MAIN_PART[ext] in names and (guess in (None, mime)):
                return mime
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _is_plain_text(data, filename):
    if not filename.lower().endswith(TEXT_EXTENSIONS) or b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data, filename):
    """The content type of ``data`` if it is one of ``ALLOWED``, else UnsupportedType."""
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime in OFFICE or mime in ("application/zip", "application/epub+zip"):
        office = _office_kind(data, mime if mime in OFFICE else None)
        if office:
            return office
        raise _refused()
    if mime in ALLOWED:
        return mime
    if mime is None and _is_plain_text(data, filename):
        return TEXT
    raise _refused()


def _encoded(image, fmt):
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _flat(image):
    """The image on a white background (thumbnails and covers are JPEG)."""
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.split()[-1])
        return background
    return image.convert("RGB")


def _pixels_only(image):
    """A new image holding ``image``'s pixels and nothing else (no EXIF, XMP, ICC, text)."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        transparent = image.mode in ("PA", "RGBa") or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def process_image(data, mime):
    """(the file to keep, thumbnail JPEG, cover JPEG, width, height). The kept file is
    re-encoded, upright and without metadata; an animated GIF or WebP is kept as sent
    (re-encoding would lose its frames). Raises Invalid for an unreadable image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid(N_("This image is too large (%(pixels)s megapixels; at most %(limit)s)."),
                              params={"pixels": probe.width * probe.height // 1_000_000,
                                      "limit": MAX_PIXELS // 1_000_000})
            animated = getattr(probe, "is_animated", False)
            probe.load()
            upright = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid(N_("This image cannot be read; it may be damaged.")) from None
    if animated or mime == "image/gif":
        kept = data
    else:
        fmt = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}[mime]
        kept = _encoded(_pixels_only(upright), fmt)
    flat = _flat(upright)
    thumbnail = flat.copy()
    thumbnail.thumbnail(THUMBNAIL_BOX)
    cover = ImageOps.fit(flat, COVER_SIZE)
    return kept, _encoded(thumbnail, "JPEG"), _encoded(cover, "JPEG"), upright.width, upright.height


def safe_filename(name):
    """The name as shown: no path, no control characters, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().strip(".") or "fichier"
    return name[-255:]


# ---------------------------------------------------------------- use cases

def upload_attachment(user, item_id, filename, data, max_bytes):
    """Attach ``data`` (bytes) named ``filename`` to an item. Raises NotFound, Forbidden,
    Conflict (trashed or closed item), FileTooLarge (over ``max_bytes``), UnsupportedType,
    Invalid (unreadable image), StorageUnavailable."""
    load_editable_item(user, item_id, for_update=False)  # checked again under the board's lock below
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise Invalid(N_("The file is empty."), errors={"file": [N_("The file is empty.")]})
    filename = safe_filename(filename)
    mime = sniff(data, filename)
    variants = {"original": data}
    width = height = None
    if mime in IMAGES:
        variants["original"], variants["thumbnail.jpg"], variants["cover.jpg"], width, height = \
            process_image(data, mime)
    base = f"items/{item_id}/{uuid.uuid4().hex}"
    storage = get_storage()
    written = []
    try:
        for name, content in variants.items():
            storage.put(f"{base}/{name}", content, "image/jpeg" if name.endswith(".jpg") else mime)
            written.append(f"{base}/{name}")
        item = load_editable_item(user, item_id)
        with unit_of_work() as uow:
            attachment = Attachment(
                item_id=item.id, uploader_id=user.id, filename=filename, content_type=mime,
                size=len(variants["original"]), storage_key=f"{base}/original",
                thumbnail_key=f"{base}/thumbnail.jpg" if width else None,
                cover_key=f"{base}/cover.jpg" if width else None, width=width, height=height,
                created_at=utcnow())
            db.session.add(attachment)
            db.session.flush()
            if attachment.cover_key and item.cover_attachment_id is None:
                item.cover_attachment_id = attachment.id
                item.updated_at = utcnow()
                db.session.flush()
            send_back_if_content(uow, user, item, ["attachments"])
            uow.record(ATTACHMENT_CREATED, actor_user=user, group_id=item.group_id, item=item,
                       payload={"attachment": dump_attachment(attachment), "item": dump_item(item)})
    except BaseException:
        for key in written:
            _forget(storage, key)
        raise
    return attachment


def _forget(storage, key):
    try:
        storage.delete(key)
    except (DomainError, OSError) as exc:  # the row is what counts; a stray file is only space
        log.warning("could not delete stored file %s: %s", key, exc)


def list_attachments(user, item_id):
    """The item's attachments, oldest first. Raises NotFound."""
    item, _ = load_item(user, item_id)
    return list(db.session.scalars(
        select(Attachment).where(Attachment.item_id == item.id).order_by(Attachment.id)))


def _visible(user, attachment_id, for_update=False):
    attachment = db.session.get(Attachment, attachment_id) if 0 < attachment_id < 2**63 else None
    if attachment is None:
        raise NotFound(N_("No attachment %(id)s."), params={"id": attachment_id})
    try:
        item, actor = load_item(user, attachment.item_id, for_update=for_update)
    except NotFound:  # another group's file does not exist for this user
        raise NotFound(N_("No attachment %(id)s."), params={"id": attachment_id}) from None
    return attachment, item, actor


def open_attachment(user, attachment_id, variant=None):
    """(the attachment, content type, binary stream, size) of the file, or of its
    ``"thumbnail"`` or ``"cover"`` crop. Raises NotFound (unknown, invisible, or an
    image variant of a file that has none), StorageUnavailable."""
    attachment, _, _ = _visible(user, attachment_id)
    key, mime = attachment.storage_key, attachment.content_type
    if variant is not None:
        key = attachment.thumbnail_key if variant == "thumbnail" else attachment.cover_key
        mime = "image/jpeg"
        if key is None:
            raise NotFound(N_("Attachment %(id)s has no preview."), params={"id": attachment_id})
    try:
        stream, size = get_storage().open(key)
    except FileMissing:
        raise NotFound(N_("The file of attachment %(id)s is missing from the storage."),
                       params={"id": attachment_id}) from None
    return attachment, mime, stream, size


def delete_attachment(user, attachment_id):
    """Delete an attachment and its files; an item whose cover it was has none after.
    Raises NotFound, Forbidden."""
    attachment, item, actor = _visible(user, attachment_id, for_update=True)
    perm.require(actor, perm.DELETE_ITEM, is_author=attachment.uploader_id == user.id)
    keys = attachment.keys
    with unit_of_work() as uow:
        if item.cover_attachment_id == attachment.id:
            item.cover_attachment_id = None
            item.updated_at = utcnow()
        db.session.delete(attachment)
        db.session.flush()
        keys = unreferenced(keys)  # a duplicated item's copy may still point at these files
        send_back_if_content(uow, user, item, ["attachments"])
        uow.record(ATTACHMENT_DELETED, actor_user=user, group_id=item.group_id, item=item,
                   payload={"attachment_id": attachment_id, "item": dump_item(item)})
    storage = get_storage()
    for key in keys:
        _forget(storage, key)


def purge_files_of(item_ids):
    """For the trash purge: delete the attachment rows of ``item_ids`` (in the caller's
    transaction) and return their storage keys, to delete once it has committed."""
    rows = list(db.session.scalars(select(Attachment).where(Attachment.item_id.in_(item_ids))))
    keys = [key for row in rows for key in row.keys]
    db.session.execute(delete(Attachment).where(Attachment.item_id.in_(item_ids)))
    return unreferenced(keys)


def unreferenced(keys):
    """Those of ``keys`` no attachment row points at any more (in this transaction, rows
    deleted and flushed): a duplicate's attachments share their original's files, so a
    file goes only with the last row that names it."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    used = set()
    for row in db.session.execute(select(Attachment.storage_key, Attachment.thumbnail_key, Attachment.cover_key)
                                  .where(Attachment.storage_key.in_(keys) | Attachment.thumbnail_key.in_(keys)
                                         | Attachment.cover_key.in_(keys))):
        used.update(row)
    return [key for key in keys if key not in used]


def forget_files(keys):
    """Delete stored files whose rows are gone (after the commit that removed them)."""
    storage = get_storage()
    for key in keys:
        _forget(storage, key)
