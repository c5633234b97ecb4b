"""Outgoing webhooks: registration (admin, no private targets unless allowed),
an outbox row per publish in the publish's own transaction, signed delivery,
retry with backoff after a failure, and the delivery log."""
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from workflow.extensions import db
from workflow.models import WebhookDelivery
from workflow.services import webhooks
from workflow.services.workflow import publish_due

from .. import factories as f


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 500 to the first ``fail_first`` requests."""

    def __init__(self, fail_first=1):
        self.requests = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self):
        return self.requests[self.fail_first:]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver(fail_first=1)
    yield r
    r.close()


def register(api, world, url, allow_private=True):
    response = api(world.admin).post("/api/v1/webhooks", json={
        "channel": world.channel.slug, "url": url, "allow_private": allow_private})
    return response


def due_items(world, count):
    when = datetime.now(timezone.utc) - timedelta(minutes=1)
    items = [f.ItemFactory(group=world.group, author=world.agent, state="scheduled", scheduled_at=when,
                           channel=world.channel, title=f"Publication {n}") for n in range(count)]
    db.session.commit()
    return items


def test_receiver_gets_each_publish_once_after_one_failure_and_retry_with_a_valid_signature(api, world, receiver):
    created = register(api, world, receiver.url).get_json()
    (item,) = due_items(world, 1)
    assert publish_due() == 1
    now = datetime.now(timezone.utc)
    assert webhooks.deliver_pending(now) == {"delivered": 0, "retrying": 1, "failed": 0}
    assert webhooks.deliver_pending(now) == {"delivered": 0, "retrying": 0, "failed": 0}  # backoff: not yet
    assert webhooks.deliver_pending(now + webhooks.backoff(1)) == {"delivered": 1, "retrying": 0, "failed": 0}
    assert webhooks.deliver_pending(now + timedelta(days=1)) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert len(receiver.requests) == 2
    (headers, body), = receiver.accepted()
    payload = json.loads(body)
    assert payload["event"] == "item.published" and payload["item"]["id"] == item.id
    assert headers["X-Relais-Signature"].startswith("sha256=")
    assert webhooks.verify(created["secret"], headers["X-Relais-Timestamp"], body, headers["X-Relais-Signature"])
    assert receiver.requests[0][1] == body  # the retry is the same delivery


def test_signature_does_not_verify_with_another_secret_or_a_changed_body(api, world, receiver):
    created = register(api, world, receiver.url).get_json()
    due_items(world, 1)
    publish_due()
    webhooks.deliver_pending(datetime.now(timezone.utc) + timedelta(hours=1))
    headers, body = receiver.requests[0]
    stamp, signature = headers["X-Relais-Timestamp"], headers["X-Relais-Signature"]
    assert not webhooks.verify("another secret", stamp, body, signature)
    assert not webhooks.verify(created["secret"], stamp, body + b" ", signature)


def test_each_publish_creates_one_delivery_per_webhook_in_the_publish_transaction(api, world, receiver):
    register(api, world, receiver.url)
    register(api, world, receiver.url + "2")
    due_items(world, 3)
    publish_due()
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 6
    assert publish_due() == 0
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 6


def test_publish_now_by_a_coordinator_is_delivered_too(api, world, receiver):
    register(api, world, receiver.url)
    item = f.ItemFactory(group=world.group, author=world.agent, state="scheduled", channel=world.channel,
                         scheduled_at=datetime.now(timezone.utc) + timedelta(days=3))
    db.session.commit()
    response = api(world.coordinator).post(f"/api/v1/items/{item.id}/transitions", json={"to": "published"})
    assert response.status_code == 200, response.get_json()
    (delivery,) = db.session.scalars(select(WebhookDelivery))
    assert delivery.item_id == item.id and delivery.status == "pending"


def test_a_failed_publish_transaction_leaves_no_delivery(api, world, receiver, monkeypatch):
    register(api, world, receiver.url)
    due_items(world, 1)

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        publish_due()
    monkeypatch.undo()
    db.session.rollback()
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_delivery_gives_up_after_the_last_attempt_and_logs_it(api, world):
    dead = Receiver(fail_first=100)
    try:
        created = register(api, world, dead.url).get_json()
        due_items(world, 1)
        publish_due()
        moment = datetime.now(timezone.utc)
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliver_pending(moment)
            moment += webhooks.MAX_RETRY
        log = api(world.admin).get(f"/api/v1/webhooks/{created['id']}/deliveries").get_json()
        assert log[0]["status"] == "failed" and log[0]["attempts"] == webhooks.MAX_ATTEMPTS
        assert log[0]["last_status_code"] == 500 and "500" in log[0]["last_error"]
    finally:
        dead.close()


def test_backoff_doubles_and_is_capped():
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert webhooks.backoff(30) == webhooks.MAX_RETRY


def test_delivery_log_shows_delivered_status(api, world):
    ok = Receiver(fail_first=0)
    try:
        created = register(api, world, ok.url).get_json()
        due_items(world, 1)
        publish_due()
        webhooks.deliver_pending()
        (entry,) = api(world.admin).get(f"/api/v1/webhooks/{created['id']}/deliveries").get_json()
        assert entry["status"] == "delivered" and entry["attempts"] == 1 and entry["last_status_code"] == 200
    finally:
        ok.close()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://172.16.0.1/",
                                 "http://192.168.1.10/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]/hook", "http://[fd00::1]/hook", "http://localhost/hook"])
def test_private_loopback_and_metadata_targets_are_refused(api, world, url):
    response = register(api, world, url, allow_private=False)
    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["errors"]


def test_a_non_http_url_is_refused(api, world):
    assert register(api, world, "ftp://example.org/x").status_code == 422


def test_only_an_admin_registers_webhooks(api, world, receiver):
    response = api(world.coordinator).post("/api/v1/webhooks", json={
        "channel": world.channel.slug, "url": receiver.url, "allow_private": True})
    assert response.status_code == 403


def test_registering_answers_with_the_secret_once(api, world, receiver):
    created = register(api, world, receiver.url)
    assert created.status_code == 201 and len(created.get_json()["secret"]) == 64
    (listed,) = api(world.admin).get("/api/v1/webhooks").get_json()
    assert "secret" not in listed


def test_deactivated_webhook_gets_no_new_deliveries(api, world, receiver):
    created = register(api, world, receiver.url).get_json()
    assert api(world.admin).delete(f"/api/v1/webhooks/{created['id']}").status_code == 200
    due_items(world, 1)
    publish_due()
    assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_cli_registers_a_webhook(runner, world, receiver):
    result = runner.invoke(args=["relais", "webhook-add", world.channel.slug, receiver.url, "--allow-private"])
    assert result.exit_code == 0, result.output
    assert "secret" in result.output.lower()


def test_cli_refuses_a_private_target_without_allow_private(runner, world):
    result = runner.invoke(args=["relais", "webhook-add", world.channel.slug, "http://127.0.0.1:9/"])
    assert result.exit_code != 0 and "private" in result.output.lower()
