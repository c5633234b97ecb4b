"""The event publisher. Services hand it events *after* their transaction has
committed; it passes them to every sink (the Socket.IO broadcaster, the
in-memory recorder tests read, ...). A failing sink never undoes a change."""
import logging
from collections import deque

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, keep=1000):
        self.sinks = []
        self.session_sinks = []
        self.published = deque(maxlen=keep)  # the last events, for tests and debugging

    def add_sink(self, sink):
        self.sinks.append(sink)

    def add_session_sink(self, sink):
        """``sink(user_id)`` runs after a commit that ended some of a person's
        sessions or tokens (the realtime relay disconnects their sockets)."""
        self.session_sinks.append(sink)

    def sessions_changed(self, user_id):
        for sink in self.session_sinks:
            try:
                sink(user_id)
            except Exception:  # a sink's failure must not turn a committed change into an error
                log.exception("session sink %r failed for user %s", sink, user_id)

    def publish(self, event: dict):
        self.published.append(event)
        for sink in self.sinks:
            try:
                sink(event)
            except Exception:  # a sink's failure must not turn a committed change into an error
                log.exception("event sink %r failed for event %s", sink, event.get("id"))

    def types(self):
        return [e["type"] for e in self.published]


def get_publisher(app=None):
    from flask import current_app

    return (app or current_app).extensions["relais_publisher"]
