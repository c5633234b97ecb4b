"""Idempotency-Key on API writes: a client that retries a POST/PUT/PATCH/DELETE
with the same key gets the first answer again, and the change happens once.

The key is claimed (a row inserted and committed) before the write runs, so a
second request arriving while the first is still running gets 409 instead of a
second effect. The answer is stored once the write is done; a 5xx, a 409 or a
429 frees the key so the client may retry. Keys are per user; a key reused for a
different request (method, path or body) is refused with 422."""
import hashlib
import json

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyKey
from . import bp
from .errors import problem

HEADER = "Idempotency-Key"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Answers that do not settle a request: the client should be able to retry them.
RETRYABLE = {409, 429}
PENDING = 0


def _fingerprint():
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string, request.get_data(cache=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _replay(row):
    stored = row.response or {}
    body = stored.get("body")
    response = current_app.response_class("" if body is None else json.dumps(body), status=row.status,
                                          mimetype=stored.get("mimetype") or "application/json")
    for name, value in (stored.get("headers") or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.before_request
def claim_idempotency_key():
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITE_METHODS or not current_user.is_authenticated:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        return problem(400, "Invalid Idempotency-Key", "An Idempotency-Key is 1–200 printable characters.")
    fingerprint = _fingerprint()
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id,
                                                         IdempotencyKey.key == key))
    if row is None:
        row = IdempotencyKey(user_id=current_user.id, key=key, method=request.method, path=request.path[:500],
                             status=PENDING, response={"fingerprint": fingerprint})
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return problem(409, "Request in progress",
                           "A request with this Idempotency-Key is being processed; retry in a moment.")
        g.idempotency_row_id = row.id
        return None
    if (row.response or {}).get("fingerprint") != fingerprint:
        return problem(422, "Idempotency-Key reused",
                       "This Idempotency-Key was used for a different request; use a new key.")
    if row.status == PENDING:
        return problem(409, "Request in progress",
                       "A request with this Idempotency-Key is being processed; retry in a moment.")
    return _replay(row)


@bp.after_request
def store_idempotent_answer(response):
    row_id = g.pop("idempotency_row_id", None)
    if row_id is None:
        return response
    db.session.rollback()  # whatever the write left unfinished is not ours to commit
    if response.status_code >= 500 or response.status_code in RETRYABLE:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    else:
        row = db.session.get(IdempotencyKey, row_id)
        body = response.get_json(silent=True) if response.is_json else None
        headers = {name: response.headers[name] for name in ("Location", "ETag") if name in response.headers}
        row.status = response.status_code
        row.response = {"fingerprint": row.response.get("fingerprint"), "body": body,
                        "mimetype": response.mimetype, "headers": headers}
    db.session.commit()
    return response


@bp.teardown_request
def forget_unfinished(exc=None):
    """A write that raised past every handler: free its key (teardown)."""
    row_id = g.pop("idempotency_row_id", None)
    if row_id is None:
        return
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    db.session.commit()
