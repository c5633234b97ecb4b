"""Backup and restore of the whole database as versioned JSON, and purging the
trash.

``export_database`` writes every table (rows ordered by primary key, columns by
name) so that two exports of the same data are byte-for-byte equal, whatever the
engine. Users' password hashes and API token hashes are left out unless asked
(``with_passwords``): an account restored without them cannot sign in until an
admin sets a new password. Idempotency keys (short-lived replay records) are
never exported.

``import_database`` restores such a file into an empty database built by
``flask db upgrade`` (SQLite or PostgreSQL), keeping every id, then moves
PostgreSQL's sequences past the highest id so new rows don't clash.

Attachment files travel in the same JSON, under ``"files"``: ``{storage key:
base64 of the bytes}`` for every key of the ``attachments`` table (the file, its
thumbnail and cover crop). The import writes them to the configured storage (local
disk or S3, whichever the export came from) before the rows, and deletes them
again if the rows fail (docs/backups.md).

``purge_trash`` deletes the items trashed more than ``TRASH_DAYS`` ago, with what
hangs off them (comments, reviews, tasks, labels and assignees links, attachments and
their files, notifications, webhook deliveries and the item's events), and records
one ``item.purged`` event per item so the log still says what happened."""
import base64
import binascii
import json
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Boolean, Date, DateTime, delete, func, select, text

from ..domain.errors import N_, Conflict, Invalid
from ..extensions import db
from ..models import (Comment, Event, Item, ItemWatch, Notification, Review, Task, WebhookDelivery,
                      item_assignees, item_labels, utcnow)
from . import search
from .attachments import forget_files, purge_files_of
from .storage import FileMissing, get_storage
from .unit_of_work import unit_of_work

FORMAT = "relais-export"
VERSION = 1
TRASH_DAYS = 30
PURGED = "item.purged"
# Never exported: replay records, useless after a restore.
# The search index is rebuilt from the items after an import (services.search).
SKIPPED_TABLES = {"idempotency_keys", "alembic_version", "search_documents"}
# Credentials: exported only with_passwords.
SECRET_COLUMNS = {("users", "password_hash")}
SECRET_TABLES = {"api_tokens"}
NO_PASSWORD = "!restored-without-password"

def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]

def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value

def _schema_revision():
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database built by create_all has no alembic table
        db.session.rollback()
        return None

def export_database(with_passwords=False):
    """The whole database as a JSON-ready dict (see the module docstring)."""
    tables = {}
    for table in _tables():
        if table.name in SECRET_TABLES and not with_passwords:
            continue
        columns = sorted(c.name for c in table.columns
                         if with_passwords or (table.name, c.name) not in SECRET_COLUMNS)
        order = [table.c[c.name] for c in table.primary_key.columns]
        rows = db.session.execute(select(*[table.c[name] for name in columns]).order_by(*order)).all()
        tables[table.name] = {"columns": columns, "rows": [[_encode(v) for v in row] for row in rows]}
    return {"format": FORMAT, "version": VERSION, "schema_revision": _schema_revision(),
            "with_passwords": bool(with_passwords), "tables": tables, "files": _export_files()}


def _attachment_keys():
    from ..models import Attachment

    rows = db.session.execute(select(Attachment.storage_key, Attachment.thumbnail_key, Attachment.cover_key)
                              .order_by(Attachment.id)).all()
    return [key for row in rows for key in row if key]


def _export_files():
    """{key: base64} of every attachment file; a file missing from the storage is left out."""
    storage, files = get_storage(), {}
    for key in _attachment_keys():
        try:
            files[key] = base64.b64encode(storage.read(key)).decode("ascii")
        except FileMissing:
            continue
    return files


def _import_files(files):
    """Write the export's files to the storage; returns the keys written."""
    if not isinstance(files, dict):
        raise Invalid(N_("The export's files are not readable."))
    storage, written = get_storage(), []
    try:
        for key, encoded in sorted(files.items()):
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise Invalid(N_("The export's file %(key)s is not valid base64."), params={"key": key}) from None
            storage.put(key, data, "application/octet-stream")
            written.append(key)
    except BaseException:
        forget_files(written)
        raise
    return written

def dump_export(data, stream):
    json.dump(data, stream, ensure_ascii=False, sort_keys=True, indent=1)
    stream.write("\n")

def _decoder(column):
    kind = column.type
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(kind, JSON):
        return lambda v: v
    return lambda v: v

def _is_empty():
    for table in _tables():
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            return False
    return True

def import_database(data, batch_size=500):
    """Restore an export into an empty database. Raises Invalid (not an export,
    another version or schema), Conflict (the database already has data).
    Returns {table: rows restored}."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid(N_("This file is not a Relais export."))
    if data.get("version") != VERSION:
        raise Invalid(N_("Export version %(theirs)s is not supported (this Relais reads %(ours)s)."),
                      params={"theirs": data.get("version"), "ours": VERSION})
    ours, theirs = _schema_revision(), data.get("schema_revision")
    if ours and theirs and ours != theirs:
        raise Invalid(N_("The export was made at schema %(theirs)s, this database is at %(ours)s: "
                         "run the same Relais version (flask db upgrade) before importing."),
                      params={"theirs": theirs, "ours": ours})
    if not _is_empty():
        raise Conflict(N_("The database is not empty: import only into a fresh database (flask db upgrade)."))
    known = {t.name: t for t in _tables()}
    unknown = set(data.get("tables", {})) - set(known)
    if unknown:
        raise Invalid(N_("Unknown tables in the export: %(tables)s."), params={"tables": ", ".join(sorted(unknown))})
    counts = {}
    written = _import_files(data.get("files") or {})
    try:
        for table in _tables():
            block = data["tables"].get(table.name)
            if not block:
                continue
            columns = block["columns"]
            decoders = [_decoder(table.c[name]) for name in columns]
            rows = []
            for raw in block["rows"]:
                row = {name: decode(value) for name, decode, value in zip(columns, decoders, raw, strict=False)}
                if table.name == "users" and "password_hash" not in row:
                    row["password_hash"] = NO_PASSWORD
                rows.append(row)
            for start in range(0, len(rows), batch_size):
                db.session.execute(table.insert(), rows[start:start + batch_size])
            counts[table.name] = len(rows)
        _reset_sequences()
        search.index_items(db.session.scalars(select(Item.id)))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        forget_files(written)
        raise
    return counts

def _reset_sequences():
    """PostgreSQL: move each id sequence past the highest restored id."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
            continue
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": pk[0].name}).scalar()
        if sequence:
            db.session.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{pk[0].name}") FROM "{table.name}"), 0) + 1, false)'),
                               {"s": sequence})

def purge_trash(now=None, days=TRASH_DAYS):
    """Delete for good the items trashed more than ``days`` ago (the time of their
    last ``item.deleted`` event). Returns how many were purged."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    deleted_at = (select(Event.item_id, func.max(Event.created_at).label("at"))
                  .where(Event.type == "item.deleted").group_by(Event.item_id).subquery())
    items = list(db.session.scalars(
        select(Item).join(deleted_at, deleted_at.c.item_id == Item.id)
        .where(Item.deleted.is_(True), deleted_at.c.at < cutoff).order_by(Item.id)))
    if not items:
        return 0
    files = []
    with unit_of_work() as uow:
        for item in items:
            ids = [item.id]
            files += purge_files_of(ids)
            event_ids = select(Event.id).where(Event.item_id.in_(ids))
            db.session.execute(delete(Notification).where(
                (Notification.item_id.in_(ids)) | (Notification.event_id.in_(event_ids))))
            db.session.execute(delete(WebhookDelivery).where(
                (WebhookDelivery.item_id.in_(ids)) | (WebhookDelivery.event_id.in_(event_ids))))
            db.session.execute(delete(Comment).where(Comment.item_id.in_(ids)))
            db.session.execute(delete(Review).where(Review.item_id.in_(ids)))
            db.session.execute(delete(Task).where(Task.item_id.in_(ids)))
            db.session.execute(delete(ItemWatch).where(ItemWatch.item_id.in_(ids)))
            db.session.execute(delete(item_labels).where(item_labels.c.item_id.in_(ids)))
            db.session.execute(delete(item_assignees).where(item_assignees.c.item_id.in_(ids)))
            db.session.execute(delete(Event).where(Event.item_id.in_(ids)))
            uow.record(PURGED, actor_user=None, group_id=item.group_id,
                       payload={"item_id": item.id, "title": item.title})
            db.session.delete(item)
    forget_files(files)  # once the rows are gone for good
    return len(items)
