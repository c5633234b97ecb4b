"""Feeds for other tools: an iCalendar feed (RFC 5545) of the items a person
can see — all of them or one group's — at a secret-token URL, and an Atom feed
(RFC 4287) of each channel's published items.

iCalendar: one VEVENT per scheduled or published item, UID ``relais-item-<id>@<domain>``
(stable across reschedules), times in UTC, SEQUENCE = the item's
``schedule_sequence`` (raised on each reschedule) and LAST-MODIFIED = its last
change, so calendar clients replace the old occurrence instead of adding one."""
import secrets
from datetime import timedelta
from xml.etree import ElementTree as ET

from flask_babel import gettext
from icalendar import Calendar, Event as VEvent
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ..domain import states as st
from ..domain.errors import N_, NotFound
from ..extensions import db
from ..i18n import STATE_NAMES, reading_as
from ..models import Item, User, utcnow
from .channels import get_channel
from .common import actor_for, require_user, visible_group_ids
from .unit_of_work import unit_of_work
from .queries import item_load_options

FEED_PAST_DAYS = 180
ATOM_LIMIT = 100
EVENT_LENGTH = timedelta(minutes=30)
ATOM_NS = "http://www.w3.org/2005/Atom"


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


# ---------------------------------------------------------------- iCalendar

def _feed_items(user, group_id=None, now=None):
    now = now or utcnow()
    since = now - timedelta(days=FEED_PAST_DAYS)
    q = (select(Item).options(*item_load_options(), joinedload(Item.group))
         .where(Item.deleted.is_(False),
                or_(Item.state == st.SCHEDULED,
                    and_(Item.state == st.PUBLISHED, Item.published_at >= since))))
    if group_id is not None:
        q = q.where(Item.group_id == group_id)
    else:
        ids = visible_group_ids(user)
        if ids is not None:
            q = q.where(Item.group_id.in_(ids))
    return list(db.session.scalars(q.order_by(Item.id)))


def item_uid(item, domain="relais"):
    return f"relais-item-{item.id}@{domain}"


def ical_feed(token, *, group_id=None, item_url=None, domain="relais", now=None):
    """The iCalendar text of the token owner's items (or one visible group's).
    ``item_url(item)`` gives the link shown in each event. Raises NotFound."""
    user = user_for_feed_token(token)
    with reading_as(user):  # the calendar speaks its owner's language
        name = gettext("Relais — my publications")
        prefixes = {st.PUBLISHED: str(STATE_NAMES[st.PUBLISHED]), st.SCHEDULED: str(STATE_NAMES[st.SCHEDULED])}
    if group_id is not None:
        from ..models import Group

        group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
        if group is None or not actor_for(user, group.id).can_see_group():
            raise NotFound(N_("No such feed."))
        name = f"Relais — {group.name}"
    now = now or utcnow()
    cal = Calendar()
    cal.add("prodid", "-//Relais//Publication calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for item in _feed_items(user, group_id, now):
        start = item.published_at if item.state == st.PUBLISHED else item.scheduled_at
        if start is None:
            continue
        event = VEvent()
        event.add("uid", item_uid(item, domain))
        prefix = prefixes[st.PUBLISHED if item.state == st.PUBLISHED else st.SCHEDULED]
        event.add("summary", item.title)
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        event.add("dtstamp", now)
        event.add("last-modified", item.updated_at)
        event.add("sequence", item.schedule_sequence or 0)
        event.add("status", "CONFIRMED")
        lines = [f"{prefix} · {item.group.name}" + (f" · {item.channel.name}" if item.channel else "")]
        if item.summary:
            lines.append(item.summary)
        if item.resource_url:
            lines.append(item.resource_url)
        event.add("description", "\n\n".join(lines))
        event.add("categories", [item.resource_type])
        if item_url:
            event.add("url", item_url(item))
        cal.add_component(event)
    return cal.to_ical()


# ---------------------------------------------------------------- Atom

def _rfc3339(moment):
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def atom_feed(channel_ref, *, self_url, site_url):
    """The Atom document of a channel's published items, newest first (public:
    they are published). Raises NotFound."""
    channel = get_channel(channel_ref)
    items = list(db.session.scalars(
        select(Item).options(*item_load_options(), joinedload(Item.group))
        .where(Item.channel_id == channel.id, Item.state == st.PUBLISHED, Item.deleted.is_(False))
        .order_by(Item.published_at.desc(), Item.id.desc()).limit(ATOM_LIMIT)))
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "fr"})
    sub(feed, "id", f"tag:relais,2024:channel:{channel.slug}")
    sub(feed, "title", f"{channel.name} — publications")
    sub(feed, "updated", _rfc3339(max((i.published_at for i in items), default=None) or utcnow()))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", href=site_url)
    author = sub(feed, "author")
    sub(author, "name", "Relais")
    sub(feed, "generator", "Relais")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "id", f"tag:relais,2024:item:{item.id}")
        sub(entry, "title", item.title)
        sub(entry, "published", _rfc3339(item.published_at))
        sub(entry, "updated", _rfc3339(max(item.published_at, item.updated_at)))
        if item.resource_url:
            sub(entry, "link", rel="alternate", href=item.resource_url)
        sub(entry, "summary", item.summary or item.title)
        sub(entry, "category", term=item.resource_type)
        entry_author = sub(entry, "author")
        sub(entry_author, "name", item.group.name)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
