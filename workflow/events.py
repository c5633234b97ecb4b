"""The event publisher. Services hand it events *after* their transaction has
committed; it passes them to every sink (the Socket.IO broadcaster, the
in-memory recorder tests read, ...). A failing sink never undoes a change."""
import logging
from collections import deque

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, keep=1000):
        self.sinks = []
        self.published = deque(maxlen=keep)  # the last events, for tests and debugging

    def add_sink(self, sink):
        self.sinks.append(sink)

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
