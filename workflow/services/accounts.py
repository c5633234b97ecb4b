"""Accounts: users, memberships, passwords and personal API tokens."""
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import Conflict, Invalid, NotFound, Unauthorized
from ..domain.roles import MEMBERSHIP_ROLES
from ..extensions import db
from ..models import ApiToken, Group, Library, Membership, User, utcnow

# Compared against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = None


def hash_password(password):
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def authenticate(username, password):
    """The active user with these credentials, or None."""
    global _DUMMY_HASH
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def set_locale(user, locale):
    """Set the language the user reads the pages, messages and e-mails in.
    Raises Invalid for a language Relais does not speak."""
    from ..i18n import LOCALES

    if locale not in LOCALES:
        raise Invalid(f"Unknown language '{locale}'.", errors={"locale": [f"Must be one of: {', '.join(LOCALES)}."]})
    user.locale = locale
    db.session.commit()
    return user


def _token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username, password, name="api"):
    """Exchange credentials for a new personal API token (returned once, stored
    hashed). Raises Unauthorized."""
    user = authenticate(username, password)
    if user is None:
        raise Unauthorized("Wrong username or password, or inactive account.")
    token = "rl_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), name=name))
    db.session.commit()
    return token, user


def user_for_token(token):
    """The active user owning this unrevoked token, or None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, _token_digest(token)):
        return None
    user = row.user
    return user if user.active else None


def revoke_token(user, token):
    """Revoke one of the user's own tokens. Raises NotFound."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound("No such active token.")
    row.revoked_at = utcnow()
    db.session.commit()


def create_user(username, password, *, display_name=None, email=None, library=None,
                coordinator=False, admin=False, locale="fr"):
    """Create an account (CLI and admin doors). Raises Invalid, Conflict."""
    username = (username or "").strip()
    if not username or len(username) > 40 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise Invalid("A username is 1–40 letters, digits, '.', '-' or '_'.",
                      errors={"username": ["Invalid username."]})
    if not password or len(password) < 8:
        raise Invalid("A password has at least 8 characters.", errors={"password": ["Too short."]})
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"User '{username}' already exists.")
    lib = None
    if library:
        lib = db.session.scalar(select(Library).where(Library.name == library))
        if lib is None:
            raise Invalid(f"No library '{library}'.", errors={"library": ["Unknown library."]})
    user = User(username=username, display_name=display_name or username,
                email=email or f"{username}@relais.invalid", password_hash=hash_password(password),
                library=lib, is_coordinator=coordinator, is_admin=admin, locale=locale)
    db.session.add(user)
    db.session.commit()
    return user


def add_member(username, group_name, role):
    """Make a user an agent or lead of a group (updates the role if already a member).
    Raises NotFound, Invalid."""
    if role not in MEMBERSHIP_ROLES:
        raise Invalid(f"Role must be one of {', '.join(MEMBERSHIP_ROLES)}.", errors={"role": ["Unknown role."]})
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user '{username}'.")
    group = db.session.scalar(select(Group).where(Group.name == group_name))
    if group is None:
        raise NotFound(f"No group '{group_name}'.")
    membership = db.session.get(Membership, (user.id, group.id))
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.commit()
    return membership
