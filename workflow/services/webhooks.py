"""Outgoing webhooks: an admin registers a URL per channel; each publication on
that channel is POSTed there as signed JSON, retried with backoff, and logged.

How exactly-once works:
- *Outbox.* Whenever a unit of work records a publication — ``publish_due``, a
  coordinator's "publish now", any future path — a ``WebhookDelivery`` row per
  active webhook of the item's channel is inserted in the same transaction
  (``enqueue_deliveries``, a before-commit handler of the message bus). The
  publish and its deliveries commit or roll back together;
  ``UNIQUE(webhook_id, event_id)`` forbids a second row for the same publish.
- *Claim.* ``deliver_pending`` claims each due row with a conditional UPDATE
  (still pending, same ``next_attempt_at`` as read) that pushes
  ``next_attempt_at`` forward by a lease, so two processes never send the same
  attempt; the HTTP request is made after that commit.
- *Signature.* Standard Webhooks (standardwebhooks.com), so off-the-shelf
  receivers verify it: ``webhook-id`` (the delivery, the same on every retry),
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64>``,
  the HMAC-SHA256 of ``<id>.<timestamp>.<raw body>``. The legacy
  ``X-Relais-Signature: sha256=<hex>``, the HMAC-SHA256 of
  ``<X-Relais-Timestamp>.<raw body>``, is still sent for existing receivers.
  Both are keyed with the secret's UTF-8 bytes (the secret is text: 64 hex
  digits used as they are, not decoded); a Standard Webhooks library takes that
  key as ``whsec_`` + base64 (``standard_webhooks_secret``).

Targets on loopback, private, link-local or metadata addresses are refused
(the host is resolved at registration and again before each attempt) unless an
admin sets ``allow_private``. Each attempt resolves the host once, checks every
address, and connects only to those addresses (pinned): a DNS answer that
changes between the check and the connection (rebinding) cannot redirect the
POST inside the network. Redirects are not followed and proxy settings from the
environment (``http_proxy``, ``https_proxy``…) are ignored, since either would
send the request to an address nobody checked.
"""
import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update

from ..domain.errors import N_, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Channel, Webhook, WebhookDelivery, utcnow
from .common import require_user
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)

PUBLISHED_EVENT = "item.published"
SIGNATURE_HEADER = "X-Relais-Signature"  # legacy
TIMESTAMP_HEADER = "X-Relais-Timestamp"  # legacy
STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

_BLOCKED_NETWORKS = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "100.64.0.0/10", "::1/128", "::/128", "fc00::/7", "fe80::/10", "::ffff:0:0/96",
)]


# ---------------------------------------------------------------- signing

def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of the legacy X-Relais-Signature for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def standard_webhooks_secret(secret: str) -> str:
    """The secret as a Standard Webhooks library takes it: ``whsec_`` + base64 of its UTF-8 bytes."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_message_id(delivery_id) -> str:
    """``webhook-id``: names the delivery (one webhook, one event), the same on every retry."""
    return f"relais-delivery-{delivery_id}"


def sign_standard(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """The value of ``webhook-signature`` (Standard Webhooks v1): ``v1,`` + base64
    of the HMAC-SHA256 of ``<id>.<timestamp>.<body>`` keyed with the secret's UTF-8 bytes."""
    digest = hmac.new(secret.encode(), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secret: str, delivery_id, timestamp: str, body: bytes) -> dict:
    """Both signatures of one attempt: Standard Webhooks and the legacy pair."""
    message_id = standard_message_id(delivery_id)
    return {
        STANDARD_ID_HEADER: message_id,
        STANDARD_TIMESTAMP_HEADER: timestamp,
        STANDARD_SIGNATURE_HEADER: sign_standard(secret, message_id, timestamp, body),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now=None, tolerance=300) -> bool:
    """What a receiver does: constant-time check of the signature and of the
    timestamp's freshness (replays older than ``tolerance`` seconds fail)."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


# ---------------------------------------------------------------- target checks

def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (any(ip in net for net in _BLOCKED_NETWORKS if net.version == ip.version)
            or ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback or ip.is_link_local)


def check_target(url: str, allow_private: bool = False) -> list[str] | None:
    """Raise Invalid unless ``url`` is an http(s) URL whose host resolves only
    to public addresses (or ``allow_private``). Returns the vetted addresses,
    in the resolver's order: the only ones a delivery may connect to. Returns
    None with ``allow_private``, which resolves nothing (any address may do)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(N_("A webhook URL must start with http:// or https:// and name a host."),
                      errors={"url": [N_("Must be an http(s) URL with a host.")]})
    if parts.username or parts.password:
        raise Invalid(N_("A webhook URL must not carry credentials."),
                      errors={"url": [N_("No user:password@ in the URL.")]})
    if allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))  # the resolver's order, once each
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise Invalid(N_("The host '%(host)s' cannot be resolved (%(error)s)."),
                      params={"host": parts.hostname, "error": str(exc)},
                      errors={"url": [N_("The host does not resolve.")]})
    blocked = sorted(a for a in addresses if _blocked(a))
    if blocked:
        raise Invalid(
            N_("The host '%(host)s' resolves to a loopback, private, link-local or metadata address "
               "(%(addresses)s); an admin must set allow_private to send there."),
            params={"host": parts.hostname, "addresses": ", ".join(blocked)},
            errors={"url": [N_("Private or loopback address refused.")]})
    return addresses


# ---------------------------------------------------------------- admin use cases

def _require_admin(user):
    """An admin, or ``None`` for the command line (whoever runs it operates the server)."""
    if user is None:
        return
    require_user(user)
    if not user.is_admin:
        raise Forbidden(N_("Only an administrator may manage webhooks."))


def _channel(ref):
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        channel = db.session.get(Channel, int(ref)) if 0 < int(ref) < 2**63 else None
    else:
        channel = db.session.scalar(select(Channel).where(Channel.slug == ref))
    if channel is None:
        raise NotFound(N_("No channel '%(channel)s'."), params={"channel": ref})
    return channel


def register_webhook(user, channel_ref, url, *, allow_private=False):
    """An admin registers ``url`` to receive the channel's publications.
    Returns the Webhook (its ``secret`` signs the deliveries). Raises
    Unauthorized, Forbidden, NotFound (channel), Invalid (URL refused)."""
    _require_admin(user)
    channel = _channel(channel_ref)
    check_target(url, allow_private)
    with unit_of_work() as uow:
        webhook = Webhook(channel_id=channel.id, url=url, secret=secrets.token_hex(32), active=True,
                          allow_private=bool(allow_private))
        db.session.add(webhook)
        db.session.flush()
        uow.record("webhook.created", actor_user=user, group_id=None,  # user None: the command line
                   payload={"webhook": {"id": webhook.id, "channel": channel.slug, "url": url,
                                        "allow_private": webhook.allow_private}})
    return webhook


def list_webhooks(user, channel_ref=None):
    _require_admin(user)
    q = select(Webhook).order_by(Webhook.id)
    if channel_ref is not None:
        q = q.where(Webhook.channel_id == _channel(channel_ref).id)
    return list(db.session.scalars(q))


def get_webhook(user, webhook_id):
    _require_admin(user)
    webhook = db.session.get(Webhook, webhook_id) if 0 < webhook_id < 2**63 else None
    if webhook is None:
        raise NotFound(N_("No webhook %(id)s."), params={"id": webhook_id})
    return webhook


def deactivate_webhook(user, webhook_id):
    """Stop sending to a webhook (its delivery log stays). Raises Forbidden, NotFound."""
    webhook = get_webhook(user, webhook_id)
    with unit_of_work() as uow:
        webhook.active = False
        uow.record("webhook.deactivated", actor_user=user, group_id=None,
                   payload={"webhook": {"id": webhook.id, "url": webhook.url}})
    return webhook


def deliveries(user, webhook_id, limit=100):
    """The delivery log of a webhook, newest first."""
    webhook = get_webhook(user, webhook_id)
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


# ---------------------------------------------------------------- outbox

def _is_publication(event):
    """``item.published`` (scheduler), or a transition/move whose action is publish (publish now)."""
    payload = event.payload or {}
    return event.type == PUBLISHED_EVENT or (payload.get("action") == "publish" and payload.get("to") == "published")


def enqueue_deliveries(events, uow):
    """Bus handler, before commit: insert the deliveries of every publication
    among ``events`` in the use case's transaction (so the publication and its
    deliveries commit together, or neither)."""
    rows = []
    for event, _actor in events:
        if not _is_publication(event):
            continue
        item = (event.payload or {}).get("item") or {}
        channel_id = (item.get("channel") or {}).get("id")
        if channel_id is None:
            continue
        hooks = db.session.scalars(
            select(Webhook.id).where(Webhook.channel_id == channel_id, Webhook.active.is_(True))).all()
        for hook_id in hooks:
            rows.append({"webhook_id": hook_id, "event_id": event.id, "item_id": event.item_id,
                         "payload": {"event": PUBLISHED_EVENT, "event_id": event.id, "item": item},
                         "status": PENDING, "attempts": 0, "next_attempt_at": event.created_at,
                         "last_error": "", "created_at": event.created_at})
    if rows:
        db.session.execute(insert(WebhookDelivery), rows)


# ---------------------------------------------------------------- delivery
#
# The POST goes through http.client, which follows no redirect and reads no
# proxy setting, over a socket opened to an address check_target has just
# vetted — never to a fresh lookup of the host name. (urllib.request, used
# before, resolved the host again when connecting — the DNS-rebinding window —
# and honoured http(s)_proxy, where the proxy resolves the host unchecked.)
# The host name still travels in the Host header and, for https, in SNI, and
# the certificate is verified against it.

def _connect(host, port, addresses, timeout):
    """A TCP socket to ``port`` on the first of ``addresses`` (IP literals that
    check_target vetted) that accepts; no name is resolved. ``addresses`` None
    (an ``allow_private`` webhook: every address is allowed, none was vetted)
    connects to ``host`` the usual way."""
    if addresses is None:
        return socket.create_connection((host, port), timeout)
    if not addresses:
        raise OSError(f"no vetted address to connect to for {host}")
    error = None
    for address in addresses:
        sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((address, port))
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``host`` (the Host header names it) whose socket
    goes to one of the vetted ``addresses``."""

    def __init__(self, host, port, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.host, self.port, self.addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: SNI and certificate verification use ``host``, not the
    address (the default context requires a valid certificate for that name)."""

    def __init__(self, host, port, addresses, timeout):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self):
        sock = _connect(self.host, self.port, self.addresses, self.timeout)
        # wrap_socket takes the socket over (and closes it if the handshake fails)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … capped at 6 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def _post(webhook, delivery_id, payload, timeout, addresses):
    """POST the signed payload to the webhook's URL over a connection to
    ``addresses`` (see _connect). Returns (HTTP status or None, error or "")."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Relais-Webhook/1",
        "Connection": "close",
        "X-Relais-Event": payload.get("event", ""),
        "X-Relais-Delivery": str(delivery_id),
        **signature_headers(webhook.secret, delivery_id, timestamp, body),
    }
    connection = None
    try:
        parts = urlsplit(webhook.url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        connection = (_PinnedHTTPSConnection if https else _PinnedHTTPConnection)(
            parts.hostname, port, addresses, timeout)
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           body=body, headers=headers)
        response = connection.getresponse()
        status, reason, location = response.status, response.reason, response.getheader("Location")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{exc.__class__.__name__}: {exc}"
    finally:
        if connection is not None:
            connection.close()
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:  # not followed: the new target was never checked
        return status, f"HTTP {status} {reason}; redirects are not followed (Location: {location})"
    return status, f"HTTP {status} {reason}"


def _claim(now, limit):
    """Claim up to ``limit`` due deliveries for this process; returns their ids."""
    due = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)).all()
    claimed = []
    for delivery_id, read_at in due:
        result = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == PENDING,
                   WebhookDelivery.next_attempt_at == read_at)
            .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(delivery_id)
    db.session.commit()
    return claimed


def deliver_pending(now: datetime | None = None, limit=50, timeout=TIMEOUT_SECONDS):
    """Send every delivery whose time has come (first attempts and retries).
    Safe to run in several processes. Returns {"delivered": n, "retrying": n, "failed": n}."""
    now = now or utcnow()
    counts = {DELIVERED: 0, "retrying": 0, FAILED: 0}
    for delivery_id in _claim(now, limit):
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:  # purged with its item since the claim
            continue
        webhook = delivery.webhook
        status, error = None, ""
        if not webhook.active:
            error = "webhook deactivated"
        else:
            try:
                addresses = check_target(webhook.url, webhook.allow_private)
            except Invalid as exc:
                error = exc.detail
            else:  # connect to the addresses just checked, not to a new lookup
                status, error = _post(webhook, delivery.id, delivery.payload, timeout, addresses)
        delivery.last_status_code = status
        if status is not None and 200 <= status < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, utcnow(), ""
            delivery.next_attempt_at = None
            counts[DELIVERED] += 1
        else:
            delivery.last_error = (error or f"HTTP {status}")[:2000]
            if delivery.attempts >= MAX_ATTEMPTS or not webhook.active:
                delivery.status, delivery.next_attempt_at = FAILED, None
                counts[FAILED] += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                counts["retrying"] += 1
            log.warning("webhook %s delivery %s failed (attempt %s): %s", webhook.id, delivery.id,
                        delivery.attempts, delivery.last_error)
        db.session.commit()
    return counts
