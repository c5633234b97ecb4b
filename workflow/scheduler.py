"""The in-process publisher loop: every served process (``make run``, each
gunicorn worker) runs a background task that, every ``RELAIS_SCHEDULER_INTERVAL``
seconds (30 by default), runs a publisher round (``services.publisher``):
publish the items whose time has come, send the pending webhook deliveries and
the grouped notification mails. A lease in the database makes exactly one process the publisher at a time; the
others' rounds do nothing until its lease runs out (a dead process). CLI
commands other than ``flask run`` never start it;
``RELAIS_SCHEDULER=0`` turns it off (then run ``flask relais publish-due`` from
cron or a systemd timer, which takes the same lease)."""
import atexit
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
        self.holder = None

    def tick(self):
        """One publisher round (if this process holds the lease). Never raises."""
        from .services.publisher import run_round

        with self.app.app_context():
            try:
                done = run_round(self.holder)
                count = done["published"] if done else 0
                self.published += count
                if count:
                    log.info("publisher published %s item(s)", count)
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
        from .services.publisher import process_name

        self.holder = process_name()
        # Through Socket.IO so it is a green thread under eventlet/gevent and a thread otherwise.
        self.task = socketio.start_background_task(self.run)
        return self

    def stop(self, timeout=30):
        """Stop after the round in progress (waits for it, so ``published`` is final)."""
        if self.stopped.is_set():
            return  # already stopped (by hand, then again at exit)
        self.stopped.set()
        if self.task is not None:
            self.finished.wait(timeout)
            self.give_up_lease()

    def give_up_lease(self):
        """Let another process publish at once (this one stops)."""
        from .services.publisher import release_lease

        with self.app.app_context():
            try:
                release_lease(self.holder)
            except Exception:  # the database may be gone at exit: the lease then runs out
                log.warning("could not release the publisher's lease: it runs out by itself")
            finally:
                db.session.remove()


def serving():
    """Whether this process serves the app (gunicorn, ``flask run``, a test's
    ``create_app``) rather than running a CLI command (``flask db upgrade``,
    ``flask relais demo``): Flask's CLI loads the app inside the command's click
    context, and ``run`` is the only command that serves."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"


def init_app(app):
    """Start the publisher loop in a served process, when enabled (the webhook
    outbox is a bus handler: services.handlers)."""
    if app.config.get("SCHEDULER_ENABLED") and serving():
        scheduler = Scheduler(app, float(app.config.get("SCHEDULER_INTERVAL", 30)))
        app.extensions["relais_scheduler"] = scheduler.start()
        atexit.register(scheduler.stop, 5)
