"""The in-process scheduler: with ``RELAIS_SCHEDULER=1`` the server runs a
background task that, every ``RELAIS_SCHEDULER_INTERVAL`` seconds (30 by
default), publishes the items whose time has come and sends the pending
webhook deliveries — nobody needs to be online.

Running it in several processes (several workers, several servers) is safe:
``publish_due`` switches each item with a conditional UPDATE (PostgreSQL also
skips rows another process has locked), so each due item is published once,
and each webhook delivery is claimed by one process. The same work is done by
``flask --app wsgi relais publish-due`` for those who prefer cron or a systemd
timer (see the README)."""
import logging
import threading

from .extensions import db

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, app, interval):
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.finished = threading.Event()
        self.published = 0  # items this process published (for tests and logs)
        self.ticks = 0
        self.task = None

    def tick(self):
        """One round: publish what is due, then deliver webhooks. Never raises."""
        from .services.workflow import publish_due
        from .services.webhooks import deliver_pending

        with self.app.app_context():
            try:
                count = publish_due()
                self.published += count
                if count:
                    log.info("scheduler published %s item(s)", count)
                deliver_pending()
            except Exception:  # a failed round must not kill the loop: the next one retries
                log.exception("scheduler round failed")
                db.session.rollback()
            finally:
                db.session.remove()
                self.ticks += 1

    def run(self):
        try:
            while not self.stopped.is_set():
                self.tick()
                self.stopped.wait(self.interval)
        finally:
            self.finished.set()

    def start(self):
        from .extensions import socketio

        # Through Socket.IO so it is a green thread under eventlet/gevent and a thread otherwise.
        self.task = socketio.start_background_task(self.run)
        return self

    def stop(self, timeout=30):
        """Stop after the round in progress (waits for it, so ``published`` is final)."""
        self.stopped.set()
        if self.task is not None:
            self.finished.wait(timeout)


def init_app(app):
    """Start the scheduler when enabled (the webhook outbox is a bus handler: services.handlers)."""
    if app.config.get("SCHEDULER_ENABLED"):
        app.extensions["relais_scheduler"] = Scheduler(app, float(app.config.get("SCHEDULER_INTERVAL", 30))).start()
