"""Notifications: who hears about what. ``collect`` turns the events of a use
case into Notification rows (and mails to queue) in the SAME transaction as the
change; ``after_commit`` then pushes the new unread counts to each person's
socket room and hands the mails to the mail service.

Rules, written once here:
- nobody is notified of their own action;
- one notification per person and event: the most specific kind (``FOLLOWED``,
  for an item's followers, comes last);
- nobody is notified about a group they cannot see (members, coordinators, admins);
- inactive accounts get nothing;
- @mentions resolve only to active members of the item's group.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from markupsafe import escape
from sqlalchemy import func, select, update

from .. import markdown
from ..domain import reviews as rv
from ..domain import states as st
from ..domain.events import WORK_CHANGED
from ..domain.errors import N_, Invalid, NotFound, Text
from ..events import Publisher
from ..extensions import db
from ..i18n import (NOTIFICATION_KIND_NAMES, T_, Tn_, current_locale, day_param, moment_param, reading_as, render_lines,
                    render_part, verbatim)
from ..models import Item, Membership, Notification, NotificationPreference, User, utcnow
from . import mail as mail_service
from . import watches
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


def mention_directory(group_id, texts):
    """``{lower-cased username: {"username", "display_name"}}`` of the active members of
    the group named by an @mention in any of ``texts``: the people ``markdown.render``
    may link to. One query, none when no text names anyone."""
    users = resolve_mentions(group_id, "\n".join(t or "" for t in texts))
    return {u.username.lower(): {"username": u.username, "display_name": u.display_name} for u in users}


# ---------------------------------------------------------------- from events to notifications

def _who(actor):
    return actor.display_name if actor is not None else "Relais"


def _quote(text):
    """A person's words quoted in the reader's typography (« … » / “…”), never translated."""
    return T_("“%(text)s”", text=text[:500])


def _plan(event, actor, item):
    """``(kind, recipient ids, message)`` for one event, the more specific first. A
    message is ``{"title": part, "body": [parts]}``, written in each reader's language
    when read (workflow/i18n.py: T_, Tn_, verbatim). The item's followers
    (services.watches) hear of its content edits, comments, decisions, scheduling and
    publication as ``FOLLOWED``, unless a more specific kind already tells them."""
    plans = _specific_plan(event, actor, item)
    message = _followed_message(event, actor, item, plans)
    if message is not None:
        told = {uid for _, ids, _ in plans for uid in ids}
        ids = [uid for uid in watches.follower_ids(item.id) if uid not in told]
        if ids:
            plans.append((rv.FOLLOWED, ids, message))
    return plans


def _followed_message(event, actor, item, plans):
    """What a follower of ``item`` reads about ``event``, or None if followers do not hear of it."""
    if item is None:
        return None
    p = event.payload or {}
    t = event.type
    if t == "comment.created":
        comment = p.get("comment") or {}
        return {"title": T_("%(who)s commented on “%(title)s”", who=_who(actor), title=item.title),
                "body": [verbatim((comment.get("body") or "")[:500])]}
    if t == "item.updated" and set(p.get("changes") or ()) & set(st.CONTENT_FIELDS):
        return {"title": T_("Changed: “%(title)s”", title=item.title),
                "body": [T_("%(who)s changed the content.", who=_who(actor))]}
    followed_kinds = (rv.DECISION, rv.SCHEDULED, rv.PUBLISHED)
    return next((message for kind, _, message in plans if kind in followed_kinds), None)


def _specific_plan(event, actor, item):
    """The notifications of ``event`` for those it concerns by role: leads, author and
    assignees, the people mentioned, the recipients a reminder names."""
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
    publication = t == "item.published" or (t in ("item.transitioned", "item.moved") and action == st.PUBLISH)
    if t == "item.scheduled" or publication:
        # News, not a decision to act on: an author or assignee who stopped following is not told.
        stopped = watches.stopped_ids(item.id)
        followers = [i for i in followers if i not in stopped]
    if t == "item.scheduled":
        channel = item.channel.name if item.channel else ""
        return [(rv.SCHEDULED, followers,
                 {"title": T_("Scheduled: “%(title)s”", title=title),
                  "body": [T_("%(who)s scheduled it on %(channel)s on %(when)s.", who=who, channel=channel,
                              when=moment_param(item.scheduled_at))]})]
    if publication:
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
    if t == "item.due_reminded":
        return [(rv.DUE_DATE, p.get("recipients") or [], p.get("message") or {
            "title": T_("Due soon: “%(title)s”", title=title), "body": []})]
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
        told = set()  # one notification per person and event: the most specific
        for kind, ids, message in _plan(event, actor, item):
            for user in _visible_recipients(event.group_id, ids, exclude=event.actor_id):
                if user.id in told:
                    continue
                told.add(user.id)
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
    """Mail the new notifications their readers want by e-mail: those of one kind to
    one person in this change go in one mail; one whose kind was mailed to that
    person less than MAIL_GROUP_WINDOW seconds ago waits (``mail_due_at``) and
    leaves with the others of the window as one mail (``send_grouped_mails``)."""
    wants = _email_wanted({u.id for _, u in outcome.notifications})
    now = utcnow()
    window = _group_window()
    now_mails = {}  # (user id, kind) -> (user, [notes]) to mail at once
    for note, user in outcome.notifications:
        if user.daily_digest or not mail_service.deliverable(user.email) or not wants(user.id, note.kind):
            continue
        key = (user.id, note.kind)
        if key in now_mails:
            now_mails[key][1].append(note)
            continue
        due = _held_until(user.id, note.kind, now, window)
        if due is not None:
            note.mail_due_at = due
        else:
            now_mails[key] = (user, [note])
    for user, notes in now_mails.values():
        outcome.mails.append(_mail_notes(user, notes, now))


def _group_window():
    return timedelta(seconds=max(0.0, float(current_app.config.get("MAIL_GROUP_WINDOW") or 0)))


def _held_until(user_id, kind, now, window):
    """When a new notification of ``kind`` for ``user_id`` may be mailed, if not now:
    with the ones already waiting, or when the window of the last mail closes."""
    if not window:
        return None
    waiting = db.session.scalar(select(func.min(Notification.mail_due_at)).where(
        Notification.user_id == user_id, Notification.kind == kind, Notification.emailed_at.is_(None),
        Notification.mail_due_at.is_not(None)))
    if waiting is not None:
        return waiting
    last = db.session.scalar(select(func.max(Notification.emailed_at)).where(
        Notification.user_id == user_id, Notification.kind == kind, Notification.emailed_at >= now - window))
    return last + window if last is not None else None


def _grouped_subject(kind, num):
    """The subject of one mail telling of ``num`` notifications of ``kind`` (a message part)."""
    subjects = {
        rv.REVIEW_REQUESTED: Tn_("[Relais] %(num)s proposal to review", "[Relais] %(num)s proposals to review", num),
        rv.DECISION: Tn_("[Relais] %(num)s decision on your proposals",
                         "[Relais] %(num)s decisions on your proposals", num),
        rv.MENTION: Tn_("[Relais] You were mentioned %(num)s time", "[Relais] You were mentioned %(num)s times", num),
        rv.SCHEDULED: Tn_("[Relais] %(num)s proposal scheduled", "[Relais] %(num)s proposals scheduled", num),
        rv.PUBLISHED: Tn_("[Relais] %(num)s proposal published", "[Relais] %(num)s proposals published", num),
        rv.REVIEW_OVERDUE: Tn_("[Relais] %(num)s review waiting", "[Relais] %(num)s reviews waiting", num),
        rv.LICENCE_EXPIRED: Tn_("[Relais] %(num)s licence ended", "[Relais] %(num)s licences ended", num),
        rv.DUE_DATE: Tn_("[Relais] %(num)s item due or overdue", "[Relais] %(num)s items due or overdue", num),
        rv.FOLLOWED: Tn_("[Relais] %(num)s news of items you follow", "[Relais] %(num)s news of items you follow",
                         num),
    }
    return subjects.get(kind) or Tn_("[Relais] %(num)s notification", "[Relais] %(num)s notifications", num)


def _mail_notes(user, notes, now):
    """Queue one mail telling ``user`` about ``notes`` (all of one kind), in their
    language, and mark the notes mailed. The first day of many mails, the mail
    also offers the daily digest (once)."""
    offer = _offer_digest(user, now)
    with reading_as(user):
        if len(notes) == 1:
            subject = "[Relais] " + note_text(notes[0])[0]
            intro = ""
        else:
            subject = render_part(_grouped_subject(notes[0].kind, len(notes)))
            intro = ngettext("%(num)s notification of the same kind arrived within a few minutes:",
                             "%(num)s notifications of the same kind arrived within a few minutes:", len(notes))
        unsubscribe = public_url(unsubscribe_path(user))
        text, html = render_mail(notes, intro=intro, unsubscribe_url=unsubscribe, offer_digest=offer)
    for note in notes:
        note.emailed_at = now
        note.mail_due_at = None
    if offer:
        user.digest_offered_at = now
    return mail_service.queue_mail(user.email, subject, text, html, unsubscribe_url=unsubscribe)


def _offer_digest(user, now):
    """True the first time ``user`` gets more than MAIL_DIGEST_OFFER_AFTER mails in 24 hours
    (a mail's notes share its ``emailed_at``, so distinct moments count mails)."""
    limit = int(current_app.config.get("MAIL_DIGEST_OFFER_AFTER") or 0)
    if limit <= 0 or user.daily_digest or user.digest_offered_at is not None:
        return False
    mails_today = db.session.scalar(select(func.count(func.distinct(Notification.emailed_at))).where(
        Notification.user_id == user.id, Notification.emailed_at >= now - timedelta(days=1))) or 0
    return mails_today + 1 > limit


def send_grouped_mails(now=None):
    """Send the notifications held back by the group window once it has closed:
    one mail per person and kind (``flask relais send-mail`` and the scheduler call
    it). Rows are claimed with SKIP LOCKED on PostgreSQL, so two processes never
    mail the same ones. Returns the number of mails queued."""
    now = now or utcnow()
    notes = list(db.session.scalars(
        select(Notification).where(Notification.mail_due_at.is_not(None), Notification.mail_due_at <= now,
                                   Notification.emailed_at.is_(None))
        .order_by(Notification.user_id, Notification.kind, Notification.id).with_for_update(skip_locked=True)))
    if not notes:
        db.session.rollback()
        return 0
    groups = {}
    for note in notes:
        groups.setdefault((note.user_id, note.kind), []).append(note)
    wants = _email_wanted({uid for uid, _ in groups})
    mails = []
    for (user_id, kind), group in groups.items():
        user = db.session.get(User, user_id)
        if (user is None or not user.active or user.daily_digest or not mail_service.deliverable(user.email)
                or not wants(user_id, kind)):
            for note in group:  # no longer wanted by mail (or the digest will carry them)
                note.mail_due_at = None
            continue
        mails.append(_mail_notes(user, group, now))
    db.session.flush()
    ids = [m.id for m in mails]
    db.session.commit()
    mail_service.deliver(ids)
    return len(ids)


def public_url(path):
    """``path`` as an absolute link for a mail (see ``mail.public_base_url``)."""
    return mail_service.public_url(path)


def link_for(note):
    if note.kind in (rv.REVIEW_REQUESTED, rv.REVIEW_OVERDUE):
        return "/reviews"
    if note.group_id and note.item_id:
        return f"/groups/{note.group_id}/board?item={note.item_id}"
    return "/notifications"


# Kinds whose body carries a person's Markdown (a comment, a review's comment).
MARKDOWN_KINDS = frozenset({rv.MENTION, rv.DECISION, rv.FOLLOWED})


def body_html(note, body=None):
    """The notification's body as safe HTML: a person's Markdown rendered and sanitised
    (workflow.markdown, as comments are), any other text escaped line by line."""
    body = note_text(note)[1] if body is None else (body or "")
    if not body:
        return ""
    if note.kind in MARKDOWN_KINDS:
        return str(markdown.render(body, breaks=True))
    return "<p>" + "<br>".join(str(escape(line)) for line in body.splitlines()) + "</p>"


def render_mail(notes, intro="", *, unsubscribe_url="", offer_digest=False):
    """Plain text and HTML of a mail listing ``notes``, in the current reader's
    language (callers wrap it in ``reading_as(recipient)``). A person's Markdown is
    plain readable text in the text part and sanitised HTML (workflow.markdown, as
    comments on the pages) in the HTML part; every other text is escaped."""
    text_parts = [intro + "\n"] if intro else []
    html_parts = [f"<p>{escape(intro)}</p>"] if intro else []
    open_label = gettext("Open in Relais")
    for note in notes:
        title, body = note_text(note)
        url = public_url(link_for(note))
        body_text = markdown.plain_text(body) if note.kind in MARKDOWN_KINDS else (body or "")
        text_parts.append(f"{title}\n{body_text}\n{url}\n")
        html = body_html(note, body) or ("" if note.kind in MARKDOWN_KINDS else "<p></p>")
        html_parts.append(f'<h2>{escape(title)}</h2>{html}<p><a href="{escape(url)}">{escape(open_label)}</a></p>')
    preferences_url = public_url("/notifications/preferences")
    if offer_digest:
        offer = gettext("Many e-mails today? You can receive a single e-mail a day instead (the daily digest): "
                        "%(url)s", url=preferences_url)
        text_parts.append(offer + "\n")
        html_parts.append(f"<p><strong>{escape(offer)}</strong></p>")
    footer = [gettext("You receive this message according to your preferences: %(url)s", url=preferences_url)]
    if unsubscribe_url:
        footer.append(gettext("Stop these e-mails: %(url)s", url=unsubscribe_url))
    text_parts.append("\n".join(footer))
    html_parts.append("".join(f"<p><small>{escape(line)}</small></p>" for line in footer))
    lang = current_locale()
    return "\n".join(text_parts), (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"></head><body>'
                                   + "".join(html_parts) + "</body></html>")


# ---------------------------------------------------------------- one-click unsubscribe

UNSUBSCRIBE_SALT = "relais-mail-unsubscribe"


def _unsubscribe_signer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_path(user):
    """``/mail/unsubscribe/<token>``: a link signed for ``user`` that needs no sign-in."""
    return f"/mail/unsubscribe/{_unsubscribe_signer().dumps({'u': user.id})}"


def unsubscriber(token):
    """The person a signed unsubscribe token names. Raises NotFound (bad or forged token)."""
    from itsdangerous import BadSignature

    try:
        data = _unsubscribe_signer().loads(token or "")
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        user = None
    if user is None:
        raise NotFound(N_("This unsubscribe link is not valid."))
    return user


def unsubscribe(token):
    """Turn off every notification mail (each kind and the digest) for the person
    ``token`` names, and drop the mails waiting for them; the bell still shows
    everything. Returns the user. Raises NotFound."""
    user = unsubscriber(token)
    _apply_preferences(user, {k: False for k in rv.NOTIFICATION_KINDS}, daily_digest=False)
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.mail_due_at.is_not(None))
                       .values(mail_due_at=None).execution_options(synchronize_session=False))
    db.session.commit()
    return user


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
    work_changed([user_id])  # a mention read leaves "Mon travail"


def work_changed(user_ids):
    """After commit: one ``work.changed`` to each of ``user_ids``' rooms (their "Mon travail"
    page fetches its sections again). Never raises."""
    try:
        push = notifier()
        for user_id in sorted(set(user_ids)):
            push.publish({"type": WORK_CHANGED, "user_id": user_id})
    except Exception:
        log.exception("pushing work.changed failed")


# ---------------------------------------------------------------- reading and marking

def dump_notification(note):
    """The notification as the API and the bell give it, in the current reader's language."""
    title, body = note_text(note)
    return {"id": note.id, "kind": note.kind, "title": title, "body": body, "body_html": body_html(note, body),
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
    _apply_preferences(user, email_kinds, daily_digest)
    db.session.commit()
    return preferences(user)


def _apply_preferences(user, email_kinds=None, daily_digest=None):
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
            unsubscribe = public_url(unsubscribe_path(user))
            text, html = render_mail(notes, intro=intro, unsubscribe_url=unsubscribe)
            subject = ngettext("[Relais] Daily summary (%(num)s)", "[Relais] Daily summary (%(num)s)", len(notes))
        mail = mail_service.queue_mail(user.email, subject, text, html, unsubscribe_url=unsubscribe)
        for n in notes:
            n.emailed_at = now
            n.mail_due_at = None
        db.session.flush()
        mail_ids.append(mail.id)
    db.session.commit()
    mail_service.deliver(mail_ids)
    return len(mail_ids)

