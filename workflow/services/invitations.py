"""One-time links to choose a password, sent by e-mail in the person's language:
when an admin invites someone (so the temporary password need not travel by
phone or chat) and when an admin resets a password.

A link is a random token; only its SHA-256 is stored (``AccountLink``). It works
once, until it expires (7 days for an invitation, 2 for a reset), and only for
an active account; a newer link for the same person replaces the older ones.
Choosing the password closes the person's other sessions and API tokens."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import select, update

from ..domain.errors import N_, Invalid, NotFound
from ..extensions import db
from ..i18n import current_locale, format_when, reading_as
from ..models import AccountLink, User, utcnow
from . import mail as mail_service
from .accounts import end_sessions_and_tokens, hash_password
from .unit_of_work import unit_of_work

INVITE = "invite"
RESET = "reset"
LIFETIME = {INVITE: timedelta(days=7), RESET: timedelta(days=2)}
MIN_PASSWORD = 8
MAX_PASSWORD = 200


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def link_path(token):
    return f"/welcome/{token}"


def issue(user, purpose, now=None):
    """Add a link for ``user`` (older unused ones stop working) and queue its mail,
    in the caller's transaction. Returns the queued OutboxMail, or None when the
    person has no e-mail address (the admin then passes the temporary password on)."""
    if not mail_service.deliverable(user.email):
        return None
    now = now or utcnow()
    db.session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    link = AccountLink(user_id=user.id, token_hash=_digest(token), purpose=purpose, created_at=now,
                       expires_at=now + LIFETIME[purpose])
    db.session.add(link)
    with reading_as(user):
        subject, text, html = _render(user, link, token)
    return mail_service.queue_mail(user.email, subject, text, html)


def _render(user, link, token):
    """Subject, plain text and HTML of the link's mail, in the current reader's language."""
    from .notifications import public_url

    url = public_url(link_path(token))
    if link.purpose == INVITE:
        subject = gettext("[Relais] Your account is ready")
        lines = [gettext("Hello %(name)s,", name=user.display_name),
                 gettext("an account was made for you on Relais, where the library network's working groups "
                         "prepare their online publications. Your username is %(username)s.",
                         username=user.username)]
    else:
        subject = gettext("[Relais] Choose a new password")
        lines = [gettext("Hello %(name)s,", name=user.display_name),
                 gettext("an administrator has reset your Relais password (username %(username)s).",
                         username=user.username)]
    action = gettext("Choose your password")
    validity = gettext("This link works once, until %(when)s. If you did not expect this message, ignore it.",
                       when=format_when(link.expires_at))
    text = "\n\n".join(lines + [f"{action}: {url}", validity])
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (f'<!doctype html><html lang="{current_locale()}"><head><meta charset="utf-8"></head><body>'
            f'{paragraphs}<p><a href="{escape(url)}">{escape(action)}</a></p>'
            f"<p><small>{escape(validity)}</small></p></body></html>")
    return subject, text, html


def find(token, now=None):
    """The valid link of ``token`` (unused, not expired, active account). Raises NotFound."""
    now = now or utcnow()
    link = None
    if token and len(token) <= 100:
        link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.active:
        raise NotFound(N_("This link is no longer valid: it was already used, it expired, or a newer one "
                          "was sent. Ask an administrator for a new one."))
    return link


def choose_password(token, password, confirm, now=None):
    """Set the password of the link's account and spend the link; the account's
    other sessions and API tokens stop working. Returns the user (the door signs
    them in). Raises NotFound (invalid link), Invalid (password)."""
    now = now or utcnow()
    link = find(token, now)
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise Invalid(N_("A password has at least 8 characters."), errors={"password": [N_("Too short.")]})
    if len(password) > MAX_PASSWORD:
        raise Invalid(N_("A password has at most 200 characters."), errors={"password": [N_("Too long.")]})
    if password != (confirm or ""):
        raise Invalid(N_("The two passwords are not the same."), errors={"confirm": [N_("Not the same.")]})
    user = db.session.get(User, link.user_id)
    with unit_of_work() as uow:
        link.used_at = now
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        end_sessions_and_tokens(user, now)
        uow.sessions_changed(user.id)
        uow.record("user.password_chosen", actor_user=user, group_id=None,
                   payload={"user": {"id": user.id, "username": user.username}, "link": link.purpose})
    return user
