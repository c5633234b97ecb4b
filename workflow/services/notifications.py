"""Notifications: who hears about what. ``collect`` turns the events of a use
case into Notification rows (and mails to queue) in the SAME transaction as the
change; ``after_commit`` then pushes the new unread counts to each person's
socket room and hands the mails to the mail service.

Rules, written once here:
- nobody is notified of their own action;
- nobody is notified about a group they cannot see (members, coordinators, admins);
- inactive accounts get nothing;
- @mentions resolve only to active members of the item's group.
"""
import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext, ngettext
from markupsafe import escape
from sqlalchemy import func, select, update

from ..domain import reviews as rv
from ..domain import states as st
from ..domain.errors import N_, Invalid, NotFound, Text
from ..events import Publisher
from ..extensions import db
from ..i18n import (NOTIFICATION_KIND_NAMES, T_, current_locale, day_param, moment_param, reading_as, render_lines,
                    render_part, verbatim)
from ..models import Item, Membership, Notification, NotificationPreference, User, utcnow
from . import mail as mail_service
from .common import require_user
from .queries import lead_ids

log = logging.getLogger(__name__)

CREATED = "notification.created"
UNREAD = "notifications.unread"


def notifier(app=None):
    """The after-commit channel of notification pushes (the socket sink listens)."""
    app = app or current_app
    if "relais_notifier" not in app.extensions:
        app.extensions["relais_notifier"] = Publisher()
    return app.extensions["relais_notifier"]


@dataclass
class Outcome:
    """What ``collect`` added, to be pushed after commit."""

    notifications: list = field(default_factory=list)
    mail_ids: list = field(default_factory=list)
    mails: list = field(default_factory=list)


# ---------------------------------------------------------------- who can see what

def _visible_recipients(group_id, user_ids, exclude=None):
    """Active users among ``user_ids`` who may see ``group_id``, minus ``exclude``."""
    ids = {uid for uid in user_ids if uid is not None and uid != exclude}
    if not ids:
        return []
    users = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))))
    members = set(db.session.scalars(
        select(Membership.user_id).where(Membership.group_id == group_id, Membership.user_id.in_(ids))))
    return sorted((u for u in users if u.id in members or u.is_coordinator or u.is_admin), key=lambda u: u.id)


def group_lead_ids(group_id):
    """The ids of the group's active leads (see ``queries.lead_ids``)."""
    return lead_ids(group_id)


def _author_and_assignees(item):
    return [item.author_id] + [u.id for u in item.assignees]


def resolve_mentions(group_id, text):
    """Active members of the group named by @username in ``text``."""
    names = [n.lower() for n in rv.mentioned_usernames(text)]
    if not names:
        return []
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, func.lower(User.username).in_(names), User.active.is_(True))))


# ---------------------------------------------------------------- from events to notifications

def _who(actor):
    return actor.display_name if actor is not None else "Relais"


def _quote(text):
    """A person's words quoted in the reader's typography (« … » / “…”), never translated."""
    return T_("“%(text)s”", text=text[:500])


def _plan(event, actor, item):
    """``(kind, recipient ids, message)`` for one event. A message is
    ``{"title": part, "body": [parts]}``, written in each reader's language
    when read (workflow/i18n.py: T_, Tn_, verbatim)."""
    p = event.payload or {}
    t = event.type
    action = p.get("action")
    if item is None:
        return []
    title = item.title
    who = _who(actor)
    followers = _author_and_assignees(item)
    if (t in ("item.transitioned", "item.moved") and action == st.SUBMIT) or \
            (t == "item.updated" and p.get("sent_back_to_review")):
        return [(rv.REVIEW_REQUESTED, [i for i in group_lead_ids(item.group_id) if i != item.author_id],
                 {"title": T_("Review requested: “%(title)s”", title=title),
                  "body": [T_("%(who)s asks for a review (round %(round)s).", who=who,
                              round=item.review_round or 1)]})]
    if t == "review.created":
        review = p.get("review") or {}
        decision = review.get("decision")
        if decision == "approve" and p.get("to") == st.IN_REVIEW:
            head = T_("First approval: “%(title)s”", title=title)
            body = [T_("%(who)s approved (1 approval of %(required)s): another lead must still approve.",
                       who=who, required=p.get("required_approvals", 2))]
        elif decision == "request_changes":
            head = T_("Changes requested: “%(title)s”", title=title)
            body = [T_("%(who)s asks for changes:", who=who)]
        elif decision == "reject":
            head = T_("Proposal rejected: “%(title)s”", title=title)
            body = [T_("%(who)s rejected the proposal:", who=who)]
        else:
            head = T_("Proposal approved: “%(title)s”", title=title)
            body = [T_("%(who)s approved the proposal.", who=who)]
        if review.get("comment"):
            body.append(_quote(review["comment"]))
        return [(rv.DECISION, followers, {"title": head, "body": body})]
    if t == "item.scheduled":
        channel = item.channel.name if item.channel else ""
        return [(rv.SCHEDULED, followers,
                 {"title": T_("Scheduled: “%(title)s”", title=title),
                  "body": [T_("%(who)s scheduled it on %(channel)s on %(when)s.", who=who, channel=channel,
                              when=moment_param(item.scheduled_at))]})]
    if t == "item.published" or (t in ("item.transitioned", "item.moved") and action == st.PUBLISH):
        body = (T_("Published on %(channel)s.", channel=item.channel.name) if item.channel
                else T_("Published on its channel."))
        return [(rv.PUBLISHED, followers, {"title": T_("Published: “%(title)s”", title=title), "body": [body]})]
    if t == "comment.created":
        comment = p.get("comment") or {}
        users = resolve_mentions(item.group_id, comment.get("body", ""))
        return [(rv.MENTION, [u.id for u in users],
                 {"title": T_("%(who)s mentions you on “%(title)s”", who=who, title=title),
                  "body": [verbatim((comment.get("body") or "")[:500])]})]
    if t in ("review.overdue", "review.escalated"):
        message = p.get("message") or {  # events recorded before messages were stored as msgids
            "title": p.get("title") or T_("Review waiting: “%(title)s”", title=title),
            "body": [verbatim(p.get("body") or "")]}
        return [(rv.REVIEW_OVERDUE, p.get("recipients") or [], message)]
    if t == "item.licence_expired":
        return [(rv.LICENCE_EXPIRED, followers + group_lead_ids(item.group_id),
                 {"title": T_("Licence ended: “%(title)s” withdrawn", title=title),
                  "body": [T_("The licence ended on %(day)s: the resource is withdrawn from publication.",
                              day=day_param(p.get("licence_end")))]})]
    return []


def note_text(note):
    """``(title, body)`` of a notification in the current reader's language: written
    from its stored message, or as stored for notifications older than messages."""
    message = (note.payload or {}).get("message")
    if not message:
        return note.title, note.body or ""
    return render_part(message.get("title"))[:300], render_lines(message.get("body"))


def collect(pending):
    """Add the notifications (and mails) the events in ``pending`` call for.
    Called by ``unit_of_work`` after its flush and before its commit, so a
    notification exists exactly when its cause does. Returns an Outcome."""
    outcome = Outcome()
    for event, actor in pending:
        item = db.session.get(Item, event.item_id) if event.item_id else None
        for kind, ids, message in _plan(event, actor, item):
            for user in _visible_recipients(event.group_id, ids, exclude=event.actor_id):
                note = Notification(user_id=user.id, kind=kind, group_id=event.group_id, item_id=event.item_id,
                                    actor_id=event.actor_id, event_id=event.id,
                                    payload={"event_type": event.type, "message": message}, created_at=utcnow())
                with reading_as(user):  # the text as its reader first saw it (and for the mail)
                    note.title, note.body = note_text(note)
                db.session.add(note)
                outcome.notifications.append((note, user))
    if outcome.notifications:
        _queue_mails(outcome)
        db.session.flush()
        outcome.mail_ids = [m.id for m in outcome.mails]
    return outcome


def _email_wanted(user_ids):
    prefs = {(p.user_id, p.kind): p.email for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(list(user_ids))))}
    return lambda user_id, kind: prefs.get((user_id, kind), kind in rv.EMAIL_BY_DEFAULT)


def _queue_mails(outcome):
    wants = _email_wanted({u.id for _, u in outcome.notifications})
    for note, user in outcome.notifications:
        if user.daily_digest or not mail_service.deliverable(user.email) or not wants(user.id, note.kind):
            continue
        with reading_as(user):
            title, _body = note_text(note)
            text, html = render_mail([note])
        outcome.mails.append(mail_service.queue_mail(user.email, f"[Relais] {title}", text, html))
        note.emailed_at = utcnow()


def public_url(path):
    base = (current_app.config.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/")
    return base + path


def link_for(note):
    if note.kind in (rv.REVIEW_REQUESTED, rv.REVIEW_OVERDUE):
        return "/reviews"
    if note.group_id and note.item_id:
        return f"/groups/{note.group_id}/board?item={note.item_id}"
    return "/notifications"


def render_mail(notes, intro=""):
    """Plain text and HTML of a mail listing ``notes``, in the current reader's
    language (callers wrap it in ``reading_as(recipient)``). Every user-written
    text is escaped in the HTML part; the text part is plain text."""
    text_parts = [intro] if intro else []
    html_parts = [f"<p>{escape(intro)}</p>"] if intro else []
    open_label = gettext("Open in Relais")
    for note in notes:
        title, body = note_text(note)
        url = public_url(link_for(note))
        text_parts.append(f"{title}\n{body}\n{url}\n")
        body_html = "<br>".join(str(escape(line)) for line in (body or "").splitlines())
        html_parts.append(f'<h2>{escape(title)}</h2><p>{body_html}</p><p><a href="{escape(url)}">{escape(open_label)}</a></p>')
    footer = gettext("You receive this message according to your preferences: %(url)s",
                     url=public_url("/notifications/preferences"))
    text_parts.append(footer)
    html_parts.append(f"<p><small>{escape(footer)}</small></p>")
    lang = current_locale()
    return "\n".join(text_parts), (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head><body>'
                                   + "".join(html_parts) + "</body></html>")


def on_events(events, uow):
    """Bus handler, before commit: the notifications (and mails) ``events`` call for."""
    uow.notified = collect(events)


def push_after_commit(messages, uow):
    """Bus handler, after commit: push the new unread counts and send the mails."""
    after_commit(uow.notified)


def after_commit(outcome):
    """Push each notified person's new unread count and send the mails. Never raises."""
    if outcome is None or not outcome.notifications:
        return
    try:
        push = notifier()
        counts = unread_counts({u.id for _, u in outcome.notifications})
        for note, user in outcome.notifications:
            with reading_as(user):
                dumped = dump_notification(note)
            push.publish({"type": CREATED, "user_id": user.id, "unread": counts.get(user.id, 0),
                          "notification": dumped})
    except Exception:  # a push failure must not turn a committed change into an error
        log.exception("pushing notifications failed")
    mail_service.deliver(outcome.mail_ids)


def push_unread(user_id):
    try:
        notifier().publish({"type": UNREAD, "user_id": user_id, "unread": unread_count_for(user_id)})
    except Exception:
        log.exception("pushing the unread count failed")


# ---------------------------------------------------------------- reading and marking

def dump_notification(note):
    """The notification as the API and the bell give it, in the current reader's language."""
    title, body = note_text(note)
    return {"id": note.id, "kind": note.kind, "title": title, "body": body,
            "group_id": note.group_id, "item_id": note.item_id, "url": link_for(note),
            "actor": ({"id": note.actor.id, "username": note.actor.username,
                       "display_name": note.actor.display_name} if note.actor_id and note.actor else None),
            "created_at": note.created_at.isoformat() if note.created_at else None,
            "read": note.read_at is not None}


def unread_counts(user_ids):
    rows = db.session.execute(
        select(Notification.user_id, func.count()).where(Notification.user_id.in_(list(user_ids)),
                                                         Notification.read_at.is_(None))
        .group_by(Notification.user_id)).all()
    return dict(rows)


def unread_count_for(user_id):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def unread_count(user):
    require_user(user)
    return unread_count_for(user.id)


def list_notifications(user, *, unread_only=False, limit=50, before_id=None):
    """The user's notifications, newest first."""
    from sqlalchemy.orm import joinedload

    require_user(user)
    q = select(Notification).where(Notification.user_id == user.id).options(joinedload(Notification.actor))
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    if before_id:
        q = q.where(Notification.id < before_id)
    return list(db.session.scalars(q.order_by(Notification.id.desc()).limit(max(1, min(limit, 200)))))


def mark_read(user, notification_id):
    """Mark one of the user's notifications read. Raises NotFound (not theirs)."""
    require_user(user)
    note = db.session.get(Notification, notification_id) if 0 < notification_id < 2**63 else None
    if note is None or note.user_id != user.id:
        raise NotFound(N_("No notification %(id)s."), params={"id": notification_id})
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
        push_unread(user.id)
    return note


def mark_all_read(user):
    """Mark all the user's notifications read; returns how many were unread."""
    require_user(user)
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    push_unread(user.id)
    return result.rowcount


# ---------------------------------------------------------------- preferences

def preferences(user):
    """``{"kinds": [{kind, label, email}], "daily_digest": bool}``."""
    require_user(user)
    wants = _email_wanted({user.id})
    return {"kinds": [{"kind": k, "label": str(NOTIFICATION_KIND_NAMES[k]), "email": bool(wants(user.id, k))}
                      for k in rv.NOTIFICATION_KINDS],
            "daily_digest": bool(user.daily_digest)}


def set_preferences(user, email_kinds=None, daily_digest=None):
    """Set which kinds also go by e-mail (``email_kinds``: {kind: bool}) and the digest. Raises Invalid."""
    require_user(user)
    email_kinds = email_kinds or {}
    unknown = [k for k in email_kinds if k not in rv.NOTIFICATION_KINDS]
    if unknown:
        raise Invalid(N_("Unknown notification kind(s): %(kinds)s."), params={"kinds": ", ".join(unknown)},
                      errors={"email": [Text(N_("Must be among: %(kinds)s."),
                                             {"kinds": ", ".join(rv.NOTIFICATION_KINDS)})]})
    existing = {p.kind: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind, wanted in email_kinds.items():
        pref = existing.get(kind)
        if pref is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=bool(wanted)))
        else:
            pref.email = bool(wanted)
    if daily_digest is not None:
        user.daily_digest = bool(daily_digest)
    db.session.commit()
    return preferences(user)


# ---------------------------------------------------------------- daily digest

def send_digests(now=None):
    """One mail per digest subscriber listing the notifications not yet mailed
    (those of kinds they want by e-mail). Returns the number of mails queued."""
    now = now or utcnow()
    users = list(db.session.scalars(select(User).where(User.daily_digest.is_(True), User.active.is_(True))))
    mail_ids = []
    for user in users:
        wants = _email_wanted({user.id})
        notes = [n for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.emailed_at.is_(None))
            .order_by(Notification.id)) if wants(user.id, n.kind)]
        if not notes or not mail_service.deliverable(user.email):
            continue
        with reading_as(user):
            intro = ngettext("Hello %(name)s, here is your daily summary (%(num)s notification).",
                             "Hello %(name)s, here is your daily summary (%(num)s notifications).",
                             len(notes), name=user.display_name)
            text, html = render_mail(notes, intro=intro)
            subject = ngettext("[Relais] Daily summary (%(num)s)", "[Relais] Daily summary (%(num)s)", len(notes))
        mail = mail_service.queue_mail(user.email, subject, text, html)
        for n in notes:
            n.emailed_at = now
        db.session.flush()
        mail_ids.append(mail.id)
    db.session.commit()
    mail_service.deliver(mail_ids)
    return len(mail_ids)

