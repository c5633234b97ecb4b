"""Webhook deliveries carry Standard Webhooks headers (webhook-id,
webhook-timestamp, webhook-signature) that an off-the-shelf verifier — the
``standardwebhooks`` package — and an independent reading of the spec accept
with the secret as documented (``whsec_`` + base64 of its UTF-8 bytes); the
legacy X-Relais-Signature is still sent and still verifies."""
import base64
import hashlib
import hmac
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from workflow.services import webhooks
from workflow.services.workflow import publish_due

from .test_webhooks import Receiver, due_items, register


@pytest.fixture
def flaky_receiver():
    r = Receiver(fail_first=1)
    yield r
    r.close()


def delivered(api, world, receiver):
    """Register, publish one item, deliver (a failure, then the retry); returns
    the webhook's secret and the two requests the receiver got."""
    secret = register(api, world, receiver.url).get_json()["secret"]
    due_items(world, 1)
    assert publish_due() == 1
    now = datetime.now(timezone.utc)
    webhooks.deliver_pending(now)
    webhooks.deliver_pending(now + webhooks.backoff(1))
    assert len(receiver.requests) == 2
    return secret, receiver.requests


def whsec(secret):
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def test_a_delivery_verifies_with_the_standardwebhooks_package(api, world, flaky_receiver):
    secret, requests = delivered(api, world, flaky_receiver)
    headers, body = requests[-1]
    payload = Webhook(whsec(secret)).verify(body, headers)
    assert payload["event"] == "item.published"
    assert webhooks.standard_webhooks_secret(secret) == whsec(secret)


def test_a_changed_body_or_another_secret_fails_the_standardwebhooks_verifier(api, world, flaky_receiver):
    secret, requests = delivered(api, world, flaky_receiver)
    headers, body = requests[-1]
    with pytest.raises(WebhookVerificationError):
        Webhook(whsec(secret)).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(whsec("another secret")).verify(body, headers)


def test_the_signature_is_the_spec_s_hmac_of_id_timestamp_and_body(api, world, flaky_receiver):
    """Standard Webhooks, read independently: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>."""
    secret, requests = delivered(api, world, flaky_receiver)
    headers, body = requests[-1]
    message_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
    assert stamp.isdigit() and abs(time.time() - int(stamp)) < 300
    key = base64.b64decode(whsec(secret).removeprefix("whsec_"))
    expected = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    version, signature = headers["webhook-signature"].split(",", 1)
    assert version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected)


def test_a_retry_keeps_its_webhook_id(api, world, flaky_receiver):
    _, requests = delivered(api, world, flaky_receiver)
    (first, _), (retry, _) = requests
    assert first["webhook-id"] == retry["webhook-id"]
    assert retry["webhook-id"] == f"relais-delivery-{retry['X-Relais-Delivery']}"


def test_the_legacy_signature_is_still_sent_and_verifies(api, world, flaky_receiver):
    secret, requests = delivered(api, world, flaky_receiver)
    headers, body = requests[-1]
    assert headers["X-Relais-Timestamp"] == headers["webhook-timestamp"]
    assert webhooks.verify(secret, headers["X-Relais-Timestamp"], body, headers["X-Relais-Signature"])


def test_the_secret_is_used_as_text_not_as_decoded_hex():
    secret, stamp, body = "ab" * 32, "1700000000", b"{}"
    as_text = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign(secret, stamp, body) == f"sha256={as_text}"
    message_id = "relais-delivery-1"
    expected = Webhook(secret.encode()).sign(message_id, datetime.fromtimestamp(int(stamp), timezone.utc),
                                             body.decode())
    assert webhooks.sign_standard(secret, message_id, stamp, body) == expected
