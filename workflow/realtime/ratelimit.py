"""Per-connection rate limit of socket events: a token bucket per sid.

Each connection may send ``rate`` events per second on average, with bursts
of up to ``burst`` events. An event over the limit gets a 429 ack; a
connection that keeps sending after ``disconnect_after`` refusals in a row is
disconnected. ``rate`` = 0 turns the limit off."""
import threading
import time

monotonic = time.monotonic  # replaced by tests to move time by hand


def too_many():
    """The ack of an event over the limit, in the reader's language (needs the event's request context)."""
    from flask_babel import gettext

    return {"ok": False, "error": {"status": 429, "title": gettext("Too many events"),
                                   "detail": gettext("Slow down: this connection sends events too fast.")}}


class SocketRateLimiter:
    def __init__(self, rate=20.0, burst=60, disconnect_after=50):
        self.rate = float(rate)
        self.burst = float(burst)
        self.disconnect_after = int(disconnect_after)
        self._buckets = {}  # sid -> [tokens, last time, refusals in a row]
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config):
        return cls(config.get("SOCKET_RATE_LIMIT", 20), config.get("SOCKET_RATE_BURST", 60),
                   config.get("SOCKET_RATE_DISCONNECT_AFTER", 50))

    def check(self, sid):
        """``"ok"``, ``"refused"`` (answer 429) or ``"disconnect"`` for one event of ``sid``."""
        if self.rate <= 0:
            return "ok"
        now = monotonic()
        with self._lock:
            bucket = self._buckets.get(sid)
            if bucket is None:
                bucket = self._buckets[sid] = [self.burst, now, 0]
            bucket[0] = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                bucket[2] = 0
                return "ok"
            bucket[2] += 1
            return "disconnect" if bucket[2] > self.disconnect_after else "refused"

    def forget(self, sid):
        with self._lock:
            self._buckets.pop(sid, None)
