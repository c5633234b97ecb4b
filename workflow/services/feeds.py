"""Feeds for other tools: an iCalendar feed (RFC 5545) of the items a person
can see — all of them or one group's — at a secret-token URL, and an Atom feed
(RFC 4287) of each channel's published items.

iCalendar: one VEVENT per scheduled or published item, UID
``relais-item-<id>@<domain>`` (stable across reschedules; the domain is the
deployment's, see ``FEED_UID_DOMAIN``), times in UTC. An item that leaves the
calendar without being published (unscheduled, rejected or released after
being sent back to review, its licence ended, trashed) stays in the feed for
``CANCELLED_DAYS`` as ``STATUS:CANCELLED``, so a calendar that imported it marks
it cancelled instead of keeping a stale copy. A scheduled item sent back to
review by an edit holds its slot: it shows there as ``STATUS:TENTATIVE`` until
its review ends (back on the slot: CONFIRMED; released: CANCELLED). SEQUENCE is derived from the item's event log: it
rises on every change clients see (a first time, a new time or channel, the
publication, a cancellation, a return), so a client always replaces its copy.

Both feeds come with a validator (``FeedDocument.etag`` of the bytes and
``last_modified``, never earlier than any change that altered the document) for
conditional GETs; the documents themselves hold no "now", so the same data
gives the same bytes."""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from flask_babel import gettext
from icalendar import Calendar, Event as VEvent
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from ..domain import events as ev
from ..domain import states as st
from ..domain.errors import N_, NotFound
from ..extensions import db
from ..i18n import STATE_NAMES, reading_as
from ..models import Event, Group, Item, User
from ..models import utcnow
from .channels import get_channel
from .common import actor_for, require_user, visible_group_ids
from .unit_of_work import unit_of_work
from .queries import item_load_options

FEED_PAST_DAYS = 180
# How long an item that left the calendar stays in the feed as CANCELLED (the trash
# is purged after as long: services.backup.TRASH_DAYS).
CANCELLED_DAYS = 30
ATOM_LIMIT = 100
EVENT_LENGTH = timedelta(minutes=30)
ATOM_NS = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
HELD = "held"  # a scheduled item sent back to review, its slot held

# The events whose item (in the payload) may look different in the calendar after them.
_CALENDAR_CHANGES = (ev.ITEM_UPDATED, ev.ITEM_MOVED, ev.ITEM_TRANSITIONED, ev.ITEM_SCHEDULED,
                     ev.ITEM_PUBLISHED, ev.ITEM_DELETED, ev.ITEM_RESTORED, ev.ITEM_LICENCE_EXPIRED,
                     ev.REVIEW_CREATED)
# Characters that are not text in iCalendar TEXT nor in XML 1.0 (C0 controls but tab
# and line breaks, DEL).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    last_modified: datetime

    @property
    def etag(self):
        return hashlib.sha256(self.body).hexdigest()[:32]


# ---------------------------------------------------------------- the secret token

def ensure_feed_token(user):
    """The user's feed token, created on first use."""
    require_user(user)
    if not user.feed_token:
        with unit_of_work():
            user.feed_token = secrets.token_urlsafe(24)
    return user.feed_token


def regenerate_feed_token(user):
    """A new secret for the user's feed URLs; the old URLs stop working at once."""
    require_user(user)
    with unit_of_work() as uow:
        user.feed_token = secrets.token_urlsafe(24)
        uow.record("user.feed_token_regenerated", actor_user=user, group_id=None, payload={"user_id": user.id})
    return user.feed_token


def user_for_feed_token(token):
    """The active user owning ``token``. Raises NotFound (an unknown URL is just absent)."""
    user = db.session.scalar(select(User).where(User.feed_token == token)) if token else None
    if user is None or not user.active:
        raise NotFound(N_("No such feed."))
    return user


# ---------------------------------------------------------------- text

def one_line(text):
    """``text`` on one line: every line break and run of white space becomes one
    space (a title may hold a newline; a SUMMARY or an Atom title must not)."""
    return " ".join(_CONTROLS.sub(" ", text or "").split())


def _clean(text):
    """``text`` without the control characters neither iCalendar nor XML carry."""
    return _CONTROLS.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


# ---------------------------------------------------------------- iCalendar

@dataclass(frozen=True)
class _Look:
    """What a calendar client shows of an item: published, planned or held, when, where."""
    kind: str  # st.SCHEDULED, st.PUBLISHED or HELD
    start: datetime
    channel_id: int | None


def _look(state, deleted, scheduled_at, published_at, held_slot_at, channel_id):
    if deleted:
        return None
    if state == st.SCHEDULED and scheduled_at is not None:
        return _Look(st.SCHEDULED, scheduled_at, channel_id)
    if state == st.PUBLISHED and published_at is not None:
        return _Look(st.PUBLISHED, published_at, channel_id)
    if held_slot_at is not None:
        return _Look(HELD, held_slot_at, channel_id)
    return None


def _moment(value):
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    # A payload may hold a time as its author gave it (+01:00): the feed speaks UTC.
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class _History:
    """An item's calendar history replayed from its event log: its SEQUENCE (-1 before
    it is first shown) and, once it has left the calendar, when and how it looked."""

    def __init__(self):
        self.sequence = -1
        self.shown = None  # how it looks now (None: not in the calendar)
        self.last_shown = None  # how it looked before it was cancelled
        self.cancelled_at = None

    def see(self, look, at, deleted):
        if look == self.shown:
            return
        if look is None:
            # Leaving the calendar is a cancellation, unless a publication merely ends
            # (archived, licence over): it did take place.
            if self.shown.kind != st.PUBLISHED or deleted:
                self.sequence += 1
                self.last_shown, self.cancelled_at = self.shown, at
            else:
                self.last_shown = self.cancelled_at = None
        else:
            self.sequence += 1
            self.last_shown = self.cancelled_at = None
        self.shown = look


def _scope(query, column, group_ids):
    """``query`` limited to the feed's groups (``group_ids``; None: every group)."""
    return query if group_ids is None else query.where(column.in_(group_ids))


def _shown_items(group_ids, now):
    since = now - timedelta(days=FEED_PAST_DAYS)
    q = (select(Item).options(*item_load_options(), joinedload(Item.group))
         .where(Item.deleted.is_(False),
                or_(Item.state == st.SCHEDULED, Item.held_slot_at.is_not(None),
                    and_(Item.state == st.PUBLISHED, Item.published_at >= since))))
    return list(db.session.scalars(_scope(q, Item.group_id, group_ids)))


def _leaving(since):
    """Events that may have taken an item off the calendar (left scheduled or a held
    slot's review, trashed)."""
    return and_(Event.created_at >= since, _may_leave())


def _may_leave():
    return or_(Event.from_state.in_((st.SCHEDULED, st.IN_REVIEW, st.PROPOSED)), Event.type == ev.ITEM_DELETED)


def _recently_left_items(group_ids, now, exclude):
    ids = _scope(select(Event.item_id).where(_leaving(now - timedelta(days=CANCELLED_DAYS)),
                                             Event.item_id.is_not(None)),
                 Event.group_id, group_ids)
    was_shown = (select(Event.id).where(Event.item_id == Item.id, Event.to_state.in_((st.SCHEDULED, st.PUBLISHED)))
                 .exists())
    q = (select(Item).options(*item_load_options(), joinedload(Item.group))
         .where(Item.id.in_(ids.distinct()), Item.id.not_in(exclude or [0]), was_shown))
    return list(db.session.scalars(_scope(q, Item.group_id, group_ids)))


def _histories(items):
    """Each item's calendar history from its events (the few fields it needs, read
    from the payload by the database: the payloads themselves are kilobytes)."""
    histories = {item.id: _History() for item in items}
    if not items:
        return histories
    p = Event.payload
    rows = db.session.execute(
        select(Event.item_id, Event.created_at, p[("item", "state")].as_string(),
               p[("item", "deleted")].as_boolean(), p[("item", "scheduled_at")].as_string(),
               p[("item", "published_at")].as_string(), p[("item", "held_slot_at")].as_string(),
               p[("item", "channel", "id")].as_integer())
        .where(Event.item_id.in_(list(histories)), Event.type.in_(_CALENDAR_CHANGES))
        .order_by(Event.id))
    for item_id, at, state, deleted, scheduled_at, published_at, held_slot_at, channel_id in rows:
        if state is None:
            continue  # an event without the item in its payload
        look = _look(state, deleted, _moment(scheduled_at), _moment(published_at), _moment(held_slot_at),
                     channel_id)
        histories[item_id].see(look, at, bool(deleted))
    for item in items:
        # What the item is now, in case the log lacks a step (data loaded by hand).
        histories[item.id].see(_look(item.state, item.deleted, item.scheduled_at, item.published_at,
                                     item.held_slot_at, item.channel_id), item.updated_at, item.deleted)
    return histories


def _last_change(group_ids, now):
    """No earlier than the last change of the feed's content: the newest event of its
    boards (any change of their items, groups, trash...), or the last moment an item
    fell out of one of its windows (published too long ago, cancelled too long ago)."""
    newest = db.session.scalar(_scope(select(func.max(Event.created_at)), Event.group_id, group_ids)
                               .where(Event.group_id.is_not(None)))
    published_since = now - timedelta(days=FEED_PAST_DAYS)
    aged = db.session.scalar(_scope(
        select(func.max(Item.published_at)).where(Item.state == st.PUBLISHED, Item.published_at < published_since),
        Item.group_id, group_ids))
    cancelled_since = now - timedelta(days=CANCELLED_DAYS)
    expired = db.session.scalar(_scope(
        select(func.max(Event.created_at)).where(
            Event.created_at < cancelled_since, _may_leave()),
        Event.group_id, group_ids))
    moments = [_moment(newest) or EPOCH]
    if aged:
        moments.append(_moment(aged) + timedelta(days=FEED_PAST_DAYS))
    if expired:
        moments.append(_moment(expired) + timedelta(days=CANCELLED_DAYS))
    return max(moments)


def item_uid(item, domain="relais"):
    return f"relais-item-{item.id}@{domain}"


def ical_feed(token, *, group_id=None, item_url=None, domain="relais", now=None):
    """The iCalendar document (a FeedDocument) of the token owner's items (or one
    visible group's): the scheduled and recently published ones, and as CANCELLED
    those that left the calendar in the last CANCELLED_DAYS. ``item_url(item)`` gives
    the link shown in each event. Raises NotFound."""
    user = user_for_feed_token(token)
    with reading_as(user):  # the calendar speaks its owner's language
        name = gettext("Relais — my publications")
        prefixes = {st.PUBLISHED: str(STATE_NAMES[st.PUBLISHED]), st.SCHEDULED: str(STATE_NAMES[st.SCHEDULED]),
                    HELD: gettext("Slot held, back in review"), None: gettext("Cancelled")}
    if group_id is not None:
        group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
        if group is None or not actor_for(user, group.id).can_see_group():
            raise NotFound(N_("No such feed."))
        name = f"Relais — {group.name}"
    now = now or utcnow()
    group_ids = [group_id] if group_id is not None else visible_group_ids(user)
    shown = _shown_items(group_ids, now)
    left = _recently_left_items(group_ids, now, [i.id for i in shown])
    histories = _histories(shown + left)
    published_since = now - timedelta(days=FEED_PAST_DAYS)
    cancelled_since = now - timedelta(days=CANCELLED_DAYS)
    entries = []
    shown_ids = {i.id for i in shown}
    for item in shown + left:
        history = histories[item.id]
        if item.id in shown_ids:
            look, modified = history.shown, item.updated_at
            status = "TENTATIVE" if look.kind == HELD else "CONFIRMED"
        elif (history.shown is None and history.cancelled_at is not None
              and history.cancelled_at >= cancelled_since
              and (history.last_shown.kind != st.PUBLISHED or history.last_shown.start >= published_since)):
            look, status, modified = history.last_shown, "CANCELLED", history.cancelled_at
        else:
            continue
        # The column counts the reschedules alone; the log counts them too, and more.
        sequence = max(history.sequence, item.schedule_sequence or 0)
        entries.append((item, look, status, modified, sequence))
    entries.sort(key=lambda e: e[0].id)
    # DTSTAMP (METHOD:PUBLISH: when this instance was made) is the newest change it
    # shows, not the time of the request: the same calendar gives the same bytes.
    stamp = max((e[3] for e in entries), default=EPOCH)
    cal = Calendar()
    cal.add("prodid", "-//Relais//Publication calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for item, look, status, modified, sequence in entries:
        event = VEvent()
        event.add("uid", item_uid(item, domain))
        event.add("summary", one_line(item.title))
        event.add("dtstart", look.start)
        event.add("dtend", look.start + EVENT_LENGTH)
        event.add("dtstamp", stamp)
        event.add("last-modified", modified)
        event.add("sequence", sequence)
        event.add("status", status)
        prefix = prefixes[None if status == "CANCELLED" else look.kind]
        lines = [f"{prefix} · {item.group.name}" + (f" · {item.channel.name}" if item.channel else "")]
        if item.summary:
            lines.append(_clean(item.summary))
        if item.resource_url:
            lines.append(item.resource_url)
        event.add("description", "\n\n".join(lines))
        event.add("categories", [item.resource_type])
        if item_url:
            event.add("url", item_url(item))
        cal.add_component(event)
    return FeedDocument(cal.to_ical(), max(stamp, _last_change(group_ids, now)))


# ---------------------------------------------------------------- Atom

def _rfc3339(moment):
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def tag_uri(authority, date, specific):
    """A tag URI (RFC 4151): ``tag:<authority>,<date>:<specific>``."""
    return f"tag:{authority},{date}:{specific}"


def atom_feed(channel_ref, *, self_url, site_url, item_url, authority="relais", tag_date="2024"):
    """The Atom document (a FeedDocument) of a channel's published items, newest first
    (public: they are published). Every entry links to its resource, or to
    ``item_url(item)`` (its Relais page) when it has none. Ids are tag URIs of
    ``authority`` and ``tag_date``. Raises NotFound."""
    channel = get_channel(channel_ref)
    items = list(db.session.scalars(
        select(Item).options(*item_load_options(), joinedload(Item.group))
        .where(Item.channel_id == channel.id, Item.state == st.PUBLISHED, Item.deleted.is_(False))
        .order_by(Item.published_at.desc(), Item.id.desc()).limit(ATOM_LIMIT)))
    # Any item of the channel that changed (published, archived, trashed...) changed the feed.
    changed = db.session.execute(select(func.max(Item.updated_at), func.max(Item.published_at))
                                 .where(Item.channel_id == channel.id)).one()
    last_change = max([_moment(m) for m in changed if m is not None] or [EPOCH])
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    updated = max((max(i.published_at, i.updated_at) for i in items), default=last_change)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "fr"})
    sub(feed, "id", tag_uri(authority, tag_date, f"channel:{channel.slug}"))
    sub(feed, "title", one_line(f"{channel.name} — publications"))
    sub(feed, "updated", _rfc3339(updated))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", href=site_url)
    author = sub(feed, "author")
    sub(author, "name", "Relais")
    sub(feed, "generator", "Relais")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "id", tag_uri(authority, tag_date, f"item:{item.id}"))
        sub(entry, "title", one_line(item.title))
        sub(entry, "published", _rfc3339(item.published_at))
        sub(entry, "updated", _rfc3339(max(item.published_at, item.updated_at)))
        # RFC 4287 §4.1.1: an entry without content has a link rel="alternate".
        sub(entry, "link", rel="alternate", href=item.resource_url or item_url(item))
        sub(entry, "summary", _clean(item.summary) or one_line(item.title))
        sub(entry, "category", term=item.resource_type)
        entry_author = sub(entry, "author")
        sub(entry_author, "name", one_line(item.group.name))
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
    return FeedDocument(body, max(updated, last_change))
