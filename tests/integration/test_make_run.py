"""`make run` as a new user runs it: the development server it starts publishes
a scheduled item once its time has come and sends its webhook, with nobody
running `publish-due`."""
import json
import os
import shlex
import signal
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.ports import free_ports
from workflow.extensions import db
from workflow.models import Item
from workflow.services.webhooks import register_webhook

from .. import factories as f
from ..conftest import make_app
from .test_realtime import wait_for

ROOT = Path(__file__).resolve().parents[2]


def serve_command(port):
    """The command that `make run` ends with (the server), as make would run it."""
    dry = subprocess.run(["make", "-s", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    lines = [line for line in dry.replace("\\\n", " ").splitlines() if " run --host " in line]
    assert lines, dry
    return lines[-1].strip()


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver: keeps each POST's headers and body."""
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_make_run_publishes_a_due_item_and_sends_its_webhook_by_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with app.app_context():
        db.create_all()
        admin = f.UserFactory(is_admin=True)
        channel = f.ChannelFactory(slug="newsletter")
        db.session.commit()
        register_webhook(admin, channel.slug, f"http://127.0.0.1:{receiver.server_port}/hook", allow_private=True)
        item_id = f.ItemFactory(state="scheduled", title="Atelier du samedi", channel=channel,
                                scheduled_at=datetime.now(timezone.utc) + timedelta(seconds=1)).id
        db.session.commit()
        db.session.remove()
    port = free_ports(1)
    command = serve_command(port)
    assert "RELAIS_SCHEDULER=" in command
    env = dict(os.environ, DATABASE_URL=url, RELAIS_SCHEDULER_INTERVAL="0.5")
    env.pop("RELAIS_SCHEDULER", None)
    env.pop("REDIS_URL", None)  # `make run` is the embedded default: nothing else running
    server = subprocess.Popen(["sh", "-c", command],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        with app.app_context():
            def published():
                db.session.expire_all()
                return db.session.get(Item, item_id).state == "published" or server.poll() is not None

            wait_for(published, timeout=30)
            state = db.session.get(Item, item_id).state
            db.session.remove()
        assert state == "published", f"still {state!r} under `make run` ({shlex.quote(command)})"
        wait_for(lambda: Receiver.received or server.poll() is not None, timeout=30)
        [(headers, body)] = Receiver.received
        assert json.loads(body)["item"]["id"] == item_id and headers["webhook-signature"].startswith("v1,")
    finally:
        receiver.shutdown()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        server.stderr.close()
        with app.app_context():
            db.engine.dispose()
