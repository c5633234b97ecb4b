"""Accounts: users, memberships, passwords and personal API tokens."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, inspect, or_, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import N_, Conflict, Invalid, NotFound, Text, Unauthorized
from ..domain.roles import MEMBERSHIP_ROLES
from ..events import get_publisher
from ..extensions import db
from ..models import ApiToken, Group, Library, Membership, User, utcnow
from .unit_of_work import unit_of_work

# Compared against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = None


def hash_password(password):
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


# Lock-out: after LOCKOUT_THRESHOLD consecutive failures an account refuses every
# password, even the right one, for LOCKOUT_MINUTES (config overrides both).
LOCKOUT_THRESHOLD = 5
LOCKOUT_MINUTES = 15


def _lockout_settings():
    return (int(current_app.config.get("LOGIN_LOCKOUT_THRESHOLD", LOCKOUT_THRESHOLD)),
            int(current_app.config.get("LOGIN_LOCKOUT_MINUTES", LOCKOUT_MINUTES)))


def is_locked(user, now=None):
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def authenticate(username, password):
    """The active, unlocked user with these credentials, or None. Counts
    consecutive failures and locks the account after too many (see LOCKOUT_*)."""
    global _DUMMY_HASH
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if is_locked(user, now):
        check_password_hash(user.password_hash, password)  # same timing as a real try
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        threshold, minutes = _lockout_settings()
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= threshold:
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_logins = 0
        db.session.commit()
        return None
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
    return user


def change_password(user, current_password, new_password, keep_token=None):
    """Set a new password; every other session and API token of the user stops
    working (the caller's own session is renewed by the door, ``keep_token``
    survives). Raises Unauthorized (wrong current password), Invalid (too short)."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise Unauthorized(N_("The current password is wrong."))
    if not new_password or len(new_password) < 8:
        raise Invalid(N_("A password has at least 8 characters."), errors={"new_password": [N_("Too short.")]})
    if len(new_password) > 200:
        raise Invalid(N_("A password has at most 200 characters."), errors={"new_password": [N_("Too long.")]})
    user.password_hash = hash_password(new_password)
    user.session_generation = (user.session_generation or 0) + 1
    now = utcnow()
    kept = _token_digest(keep_token) if keep_token else None
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                         ApiToken.revoked_at.is_(None))):
        if row.token_hash != kept:
            row.revoked_at = now
    db.session.commit()
    get_publisher().sessions_changed(user.id)
    return user


def set_locale(user, locale):
    """Set the language the user reads the pages, messages and e-mails in.
    Raises Invalid for a language Relais does not speak."""
    from ..i18n import LOCALES

    if locale not in LOCALES:
        raise Invalid(N_("Unknown language '%(locale)s'."), params={"locale": locale},
                      errors={"locale": [Text(N_("Must be one of: %(choices)s."), {"choices": ", ".join(LOCALES)})]})
    user.locale = locale
    db.session.commit()
    return user


def set_password(username, password):
    """An admin (CLI) sets a user's password, unlocking the account and closing
    its sessions and tokens. Raises NotFound, Invalid."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("No user '%(username)s'."), params={"username": username})
    if not password or len(password) < 8:
        raise Invalid(N_("A password has at least 8 characters."), errors={"password": [N_("Too short.")]})
    user.password_hash = hash_password(password)
    user.session_generation = (user.session_generation or 0) + 1
    user.failed_logins = 0
    user.locked_until = None
    now = utcnow()
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        row.revoked_at = now
    db.session.commit()
    get_publisher().sessions_changed(user.id)
    return user


def log_out(user):
    """End this session and every copy of its cookie (generation bump); its open
    sockets are disconnected at once."""
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()
    get_publisher().sessions_changed(user.id)


def end_sessions_and_tokens(user, now):
    """Every session cookie of ``user`` dies (generation bump) and every API token is
    revoked, in the caller's transaction."""
    from sqlalchemy import update

    user.session_generation = (user.session_generation or 0) + 1
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now).execution_options(synchronize_session=False))


def token_digest(token):
    """The stored form of an API token (its SHA-256), which also names it to the realtime relay."""
    return hashlib.sha256(token.encode()).hexdigest() if isinstance(token, str) else None


_token_digest = token_digest


def create_token(username, password, name="api"):
    """Exchange credentials for a new personal API token (returned once, stored
    hashed). Raises Unauthorized."""
    user = authenticate(username, password)
    if user is None:
        raise Unauthorized(N_("Wrong username or password, or inactive account."))
    token = "rl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), name=name))
    db.session.commit()
    return token, user


# Built once: SQLAlchemy memoizes the statement's cache key, so each request skips
# that work. Core columns, not the User entity: the ORM's per-query loading machinery
# cost more than the query itself (a third of an item read); _loaded_user builds the
# instance from the row instead, as the ORM would, without SQL.
_USER_FIELDS = tuple((prop.key, prop.columns[0]) for prop in User.__mapper__.column_attrs)
_users, _tokens = User.__table__, ApiToken.__table__  # table columns: no ORM compile step
_TOKEN_USER = (select(*(column for _, column in _USER_FIELDS), _tokens.c.token_hash.label("token_digest"))
               .join_from(_users, _tokens, _tokens.c.user_id == _users.c.id)
               .where(_tokens.c.token_hash == bindparam("digest"), _tokens.c.revoked_at.is_(None),
                      _users.c.active.is_(True),
                      or_(_tokens.c.expires_at.is_(None), _tokens.c.expires_at > bindparam("now"))))


def _loaded_user(row):
    """The session's User for ``row`` (its columns in mapper order), as a query would
    give it: the instance the session already holds (its unloaded columns filled in
    from the row, so no refresh follows), else a new one attached as loaded
    (make_transient_to_detached: persistent, no SQL; relationships load when read)."""
    session = db.session()
    values = {key: row[n] for n, (key, _) in enumerate(_USER_FIELDS)}
    existing = session.identity_map.get(User.__mapper__.identity_key_from_primary_key((values["id"],)))
    if existing is not None:
        loaded = inspect(existing).dict
        for key, value in values.items():
            if key not in loaded:
                set_committed_value(existing, key, value)
        return existing
    user = User.__mapper__.class_manager.new_instance()
    inspect(user).dict.update(values)
    make_transient_to_detached(user)
    session.add(user)
    return user


def user_for_token(token):
    """The active user owning this unrevoked token, or None."""
    if not token or len(token) > 200:
        return None
    # One indexed query (the token's unique hash joined to its user): a Bearer read
    # pays one lookup. Nothing is cached, so a revoked token, an expired one or a
    # deactivated account is refused at the very next request, in every process.
    digest = _token_digest(token)
    row = db.session.execute(_TOKEN_USER, {"digest": digest, "now": utcnow()}).first()
    if row is None or not hmac.compare_digest(row[-1], digest):
        return None
    return _loaded_user(row)


def revoke_token(user, token):
    """Revoke one of the user's own tokens. Raises NotFound."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(N_("No such active token."))
    row.revoked_at = utcnow()
    db.session.commit()
    get_publisher().sessions_changed(user.id)


def user_payload(user):
    """An account as the events about it describe it."""
    return {"user": {"id": user.id, "username": user.username, "display_name": user.display_name,
                     "is_coordinator": bool(user.is_coordinator), "is_admin": bool(user.is_admin),
                     "active": bool(user.active)}}


def new_user(username, password, *, display_name=None, email=None, library=None,
             coordinator=False, admin=False, locale="fr"):
    """Check and add an account to the caller's unit of work (no commit: the caller
    records its event in the same transaction). Raises Invalid, Conflict."""
    username = (username or "").strip()
    if not username or len(username) > 40 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise Invalid(N_("A username is 1–40 letters, digits, '.', '-' or '_'."),
                      errors={"username": [N_("Invalid username.")]})
    if not password or len(password) < 8:
        raise Invalid(N_("A password has at least 8 characters."), errors={"password": [N_("Too short.")]})
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(N_("User '%(username)s' already exists."), params={"username": username})
    lib = None
    if library:
        lib = db.session.scalar(select(Library).where(Library.name == library))
        if lib is None:
            raise Invalid(N_("No library '%(library)s'."), params={"library": library},
                          errors={"library": [N_("Unknown library.")]})
    user = User(username=username, display_name=display_name or username,
                email=email or f"{username}@relais.invalid", password_hash=hash_password(password),
                library=lib, is_coordinator=coordinator, is_admin=admin, locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def create_user(username, password, *, actor=None, event_extra=None, **details):
    """Create an account and record ``user.created``, in one transaction (CLI, demo,
    first run). ``details`` as ``new_user`` takes them. Raises Invalid, Conflict."""
    with unit_of_work() as uow:
        user = new_user(username, password, **details)
        uow.record("user.created", actor_user=actor or user, group_id=None,
                   payload={**user_payload(user), **(event_extra or {})})
    return user




def set_membership(username, group_name, role):
    """Make a user an agent or lead of a group (updates the role if already a member),
    in the caller's unit of work (no commit). Raises NotFound, Invalid."""
    if role not in MEMBERSHIP_ROLES:
        raise Invalid(N_("Role must be one of %(roles)s."), params={"roles": ", ".join(MEMBERSHIP_ROLES)},
                      errors={"role": [N_("Unknown role.")]})
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("No user '%(username)s'."), params={"username": username})
    group = db.session.scalar(select(Group).where(Group.name == group_name))
    if group is None:
        raise NotFound(N_("No group '%(group)s'."), params={"group": group_name})
    membership = db.session.get(Membership, (user.id, group.id))
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership


def add_member(username, group_name, role, *, actor=None):
    """Make a user an agent or lead of a group and record ``membership.added``, in one
    transaction (CLI, demo, admin). Raises NotFound, Invalid."""
    with unit_of_work() as uow:
        membership = set_membership(username, group_name, role)
        uow.record("membership.added", actor_user=actor, group_id=membership.group_id,
                   payload={"user_id": membership.user_id, "username": membership.user.username, "role": role})
    return membership
