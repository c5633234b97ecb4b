"""Idempotency-Key on API writes: a client that retries a POST/PUT/PATCH/DELETE
with the same key gets the first answer again, and the change happens once.

The key is claimed (a row inserted and committed) before the write runs, so a
second request arriving while the first is still running gets 409 instead of a
second effect. The write's own transaction marks the key as committed
(``services.common``), and the answer is stored once the write is done; a 5xx, a
409 or a 429 frees the key so the client may retry. Keys are per user; a key
reused for a different request (method, path or body) is refused with 422.

A process can die in the middle: a key still pending after ``IDEMPOTENCY_LEASE``
seconds never committed its write (the commit would have marked it), so a retry
takes it over and runs; a key marked committed whose answer was lost is answered
from the item the write was about. A claim taken over is worth nothing to the
request that lost it: its write is rolled back with 409."""
import hashlib
import json
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Event, IdempotencyKey, utcnow
from ..services.unit_of_work import COMMITTED, idempotency_claim
from .blueprint import bp
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
    claim = secrets.token_hex(16)
    if row is None:
        row = IdempotencyKey(user_id=current_user.id, key=key, method=request.method, path=request.path[:500],
                             status=PENDING, response={"fingerprint": fingerprint}, claim=claim,
                             created_at=utcnow())
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return problem(409, "Request in progress",
                           "A request with this Idempotency-Key is being processed; retry in a moment.")
        return _claimed(row.id, claim)
    if (row.response or {}).get("fingerprint") != fingerprint:
        return problem(422, "Idempotency-Key reused",
                       "This Idempotency-Key was used for a different request; use a new key.")
    if row.status == COMMITTED:
        return _answer_from_item(row)
    if row.status == PENDING:
        lease = timedelta(seconds=current_app.config.get("IDEMPOTENCY_LEASE", 30))
        taken = db.session.execute(
            update(IdempotencyKey).where(IdempotencyKey.id == row.id, IdempotencyKey.status == PENDING,
                                         IdempotencyKey.claim == row.claim,
                                         IdempotencyKey.created_at <= utcnow() - lease)
            .values(claim=claim, created_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
        if taken.rowcount == 1:  # its request died without committing: this one runs instead
            return _claimed(row.id, claim)
        return problem(409, "Request in progress",
                       "A request with this Idempotency-Key is being processed; retry in a moment.")
    return _replay(row)


def _claimed(row_id, claim):
    g.idempotency_row_id = row_id
    g.idempotency_claim = claim
    g.idempotency_token = idempotency_claim.set((row_id, claim))
    return None


def _answer_from_item(row):
    """The write committed but its process died before storing the answer: answer
    with the comment it created (201), else the item as it is now (201 for a
    creation), marked as replayed."""
    from ..schemas.outputs import dump_item
    from ..services.queries import item_detail

    body, status = None, 200
    stored = row.response or {}
    if stored.get("event_type") == "comment.created":
        event = db.session.get(Event, stored.get("event_id"))
        comment = (event.payload or {}).get("comment") if event is not None else None
        if comment is not None:
            item_detail(current_user._get_current_object(), event.item_id)  # still visible to the caller
            body, status = comment, 201
    if body is None and row.item_id is not None:
        item, _ = item_detail(current_user._get_current_object(), row.item_id)
        body = dump_item(item)
        status = 201 if row.method == "POST" and row.path.rstrip("/").endswith(("/items", "/duplicate")) else 200
    response = current_app.response_class(json.dumps(body) if body is not None else "",
                                          status=status if body is not None else 204,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release_claim_context():
    token = g.pop("idempotency_token", None)
    if token is not None:
        idempotency_claim.reset(token)


def _ours(row_id):
    return (IdempotencyKey.id == row_id) & (IdempotencyKey.claim == g.get("idempotency_claim"))


@bp.after_request
def store_idempotent_answer(response):
    row_id = g.pop("idempotency_row_id", None)
    _release_claim_context()
    if row_id is None:
        return response
    db.session.rollback()  # whatever the write left unfinished is not ours to commit
    row = db.session.scalar(select(IdempotencyKey).where(_ours(row_id)))
    if row is None:
        pass  # the lease ran out and a retry took the key: its answer is the one to keep
    elif response.status_code >= 500 or response.status_code in RETRYABLE:
        if row.status != COMMITTED:
            db.session.delete(row)
        # else the change committed before the failure: a retry is answered from the item
    else:
        body = response.get_json(silent=True) if response.is_json else None
        headers = {name: response.headers[name] for name in ("Location", "ETag") if name in response.headers}
        row.status = response.status_code
        row.response = {"fingerprint": row.response.get("fingerprint"), "body": body,
                        "mimetype": response.mimetype, "headers": headers}
    db.session.commit()
    return response


@bp.teardown_request
def forget_unfinished(exc=None):
    """A write that raised past every handler: free its key (teardown), unless its change committed."""
    row_id = g.pop("idempotency_row_id", None)
    _release_claim_context()
    if row_id is None:
        return
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(_ours(row_id), IdempotencyKey.status != COMMITTED))
    db.session.commit()
