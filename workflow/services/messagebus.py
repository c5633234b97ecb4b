"""The message bus: which handlers react to which event types, and when.

``before_commit`` handlers run inside the use case's transaction, after its
events have their seqs and ids: what they write (notifications, webhook
deliveries) commits with the change or not at all, and an error in one undoes
the whole use case. ``after_commit`` handlers run once the commit succeeded
(socket publish, pushes, mail); an error in one is logged and never turns a
committed change into a failure. Each handler is called once per unit of work
with the events of the types it registered for, in the order they were
recorded. The registrations live in one place: ``services.handlers``."""
import logging

log = logging.getLogger(__name__)

ANY = "*"
BEFORE_COMMIT = "before_commit"
AFTER_COMMIT = "after_commit"


class MessageBus:
    def __init__(self):
        self._handlers = {BEFORE_COMMIT: {}, AFTER_COMMIT: {}}

    def register(self, event_type, handler, *, phase=AFTER_COMMIT):
        """On events of ``event_type`` (or ``ANY``) run ``handler(events, uow)`` at ``phase``:
        before the commit ``events`` are ``(Event, actor)`` pairs, after it the
        published messages (``unit_of_work.event_message``)."""
        self._handlers[phase].setdefault(event_type, []).append(handler)

    def handlers_for(self, phase, event_type):
        return self._handlers[phase].get(event_type, []) + self._handlers[phase].get(ANY, [])

    def _calls(self, phase, typed):
        calls = {}
        for event_type, event in typed:
            for handler in self.handlers_for(phase, event_type):
                calls.setdefault(handler, []).append(event)
        return calls

    def before_commit(self, uow):
        for handler, events in self._calls(BEFORE_COMMIT, [(e.type, (e, a)) for e, a in uow.pending]).items():
            handler(events, uow)

    def after_commit(self, uow):
        for handler, messages in self._calls(AFTER_COMMIT, [(m["type"], m) for m in uow.messages]).items():
            try:
                handler(messages, uow)
            except Exception:  # noqa: BLE001 - the change is committed: log, never raise
                log.exception("after-commit handler %r failed", handler)


def get_bus(app=None):
    from flask import current_app

    return (app or current_app).extensions["relais_bus"]
