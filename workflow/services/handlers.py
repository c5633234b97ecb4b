"""Every reaction to a change, registered in one place: on which event types
each handler runs, before or after the commit (``messagebus``). Adding a
reaction is one line here."""
from ..domain import events as ev
from ..events import get_publisher
from . import my_work, notifications, search, watches, webhooks
from .messagebus import ANY, BEFORE_COMMIT, MessageBus

# A publication may be the publish run's ``item.published`` or a "publish now" drop.
PUBLICATION_TYPES = (ev.ITEM_PUBLISHED, ev.ITEM_TRANSITIONED, ev.ITEM_MOVED)


def publish(messages, uow):
    """After commit: hand the events to the publisher (the realtime relay and the
    in-memory recorder are its sinks)."""
    publisher = get_publisher()
    for message in messages:
        publisher.publish(message)


def build_bus():
    bus = MessageBus()
    # Follows first (on ANY, so it runs before the notifications whatever the first event's
    # type): who follows an item once the change is made is who hears of it.
    bus.register(ANY, watches.on_events, phase=BEFORE_COMMIT)
    bus.register(ANY, notifications.on_events, phase=BEFORE_COMMIT)
    for event_type in search.INDEXED_TYPES:  # the search index commits with the words it holds
        bus.register(event_type, search.on_events, phase=BEFORE_COMMIT)
    for event_type in PUBLICATION_TYPES:
        bus.register(event_type, webhooks.enqueue_deliveries, phase=BEFORE_COMMIT)
    bus.register(ANY, publish)
    bus.register(ANY, notifications.push_after_commit)
    bus.register(ANY, my_work.push_after_commit)
    return bus


def init_app(app):
    app.extensions["relais_bus"] = build_bus()
