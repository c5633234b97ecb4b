"""Administration use cases: accounts, libraries and reading basins, working
groups and their members, channels. The admin pages call these; accounts and
memberships go through the same functions as the CLI (services/accounts.py),
channel rules through services/channels.py, webhooks through services/webhooks.py.

Every function takes the acting user first and checks the permission
(domain/permissions.py MANAGE_USERS / MANAGE_GROUPS); each change writes an
event (``user.*``, ``group.*``, ``membership.*``, ``library.*``, ``basin.*``,
``channel.*``) so the log says who changed what."""
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain import permissions as perm
from ..domain.errors import N_, Conflict, Invalid, NotFound, Text
from ..domain.roles import MEMBERSHIP_ROLES, Actor
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, LOCALES
from ..models import Basin, Channel, Group, Library, Membership, User, utcnow
from . import accounts, invitations
from . import mail as mail_service
from .common import require_user
from .unit_of_work import unit_of_work

USER_FIELDS = ("username", "display_name", "email", "is_coordinator", "is_admin", "active")


def _require(user, action):
    """Raise Unauthorized / Forbidden unless ``user`` may ``action`` (network-wide)."""
    require_user(user)
    perm.require(Actor(user_id=user.id, is_coordinator=bool(user.is_coordinator),
                       is_admin=bool(user.is_admin)), action)


_user_payload = accounts.user_payload


# The refusal for an object that does not exist, by kind.
MISSING = {"user": N_("No user %(id)s."), "library": N_("No library %(id)s."), "basin": N_("No basin %(id)s."),
           "group": N_("No group %(id)s.")}


def _get(model, ident, what):
    obj = db.session.get(model, ident) if isinstance(ident, int) and 0 < ident < 2**63 else None
    if obj is None:
        raise NotFound(MISSING[what], params={"id": ident})
    return obj


def temporary_password():
    """A password to hand over once; the person changes it after signing in."""
    return secrets.token_urlsafe(9)


def _name(value, limit=120):
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise Invalid(N_("A name is 1–%(limit)s characters."), params={"limit": limit},
                      errors={"name": [Text(N_("Required, at most %(limit)s."), {"limit": limit})]})
    return value


# ---------------------------------------------------------------- users

def list_users(actor):
    """Every account with its library and memberships, by username. Raises Forbidden."""
    _require(actor, perm.MANAGE_USERS)
    return list(db.session.scalars(
        select(User).options(selectinload(User.library),
                             selectinload(User.memberships).selectinload(Membership.group))
        .order_by(User.username)))


def get_user(actor, user_id):
    _require(actor, perm.MANAGE_USERS)
    return _get(User, user_id, "user")


def invite_user(actor, username, *, display_name=None, email=None, library=None,
                coordinator=False, admin=False, password=None, locale=DEFAULT_LOCALE):
    """Create an account with a temporary password (returned once, never stored in
    clear) through accounts.new_user, as the CLI does, and e-mail the person,
    in ``locale``, a one-time link to choose their own password (services.invitations).
    Returns (user, password). Raises Forbidden, Invalid, Conflict."""
    _require(actor, perm.MANAGE_USERS)
    if locale not in LOCALES:
        raise Invalid(N_("Unknown language '%(locale)s'."), params={"locale": locale},
                      errors={"locale": [N_("Unknown language.")]})
    password = password or temporary_password()
    if email and db.session.scalar(select(User.id).where(User.email == email.strip())):
        raise Conflict(N_("The e-mail address '%(email)s' is already used."), params={"email": email})
    with unit_of_work() as uow:
        user = accounts.new_user(username, password, display_name=(display_name or "").strip() or None,
                                 email=(email or "").strip() or None, library=library or None,
                                 coordinator=bool(coordinator), admin=bool(admin), locale=locale)
        mail = invitations.issue(user, invitations.INVITE)
        uow.record("user.created", actor_user=actor, group_id=None,
                   payload={**_user_payload(user), "link_mailed": mail is not None})
    if mail is not None:
        mail_service.deliver([mail.id])
    return user, password


def _other_active_admins(user):
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.is_admin.is_(True), User.active.is_(True), User.id != user.id))


def set_active(actor, user_id, active):
    """Deactivate (at once: sessions and API tokens stop working) or reactivate an
    account. Raises Forbidden, NotFound, RuleBroken-like Invalid (last admin, oneself)."""
    _require(actor, perm.MANAGE_USERS)
    user = _get(User, user_id, "user")
    if not active:
        if user.id == actor.id:
            raise Invalid(N_("You cannot deactivate your own account."))
        if user.is_admin and not _other_active_admins(user):
            raise Invalid(N_("The last active administrator cannot be deactivated."))
    with unit_of_work() as uow:
        user.active = bool(active)
        if not active:
            accounts.end_sessions_and_tokens(user, utcnow())
            uow.sessions_changed(user.id)
        uow.record("user.deactivated" if not active else "user.reactivated", actor_user=actor, group_id=None,
                   payload=_user_payload(user))
    return user


def reset_password(actor, user_id):
    """Give the account a new temporary password (returned once) and e-mail the person
    a one-time link to choose their own; its sessions and tokens stop working.
    Returns (user, password). Raises Forbidden, NotFound."""
    _require(actor, perm.MANAGE_USERS)
    user = _get(User, user_id, "user")
    password = temporary_password()
    with unit_of_work() as uow:
        user.password_hash = accounts.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        accounts.end_sessions_and_tokens(user, utcnow())
        uow.sessions_changed(user.id)
        mail = invitations.issue(user, invitations.RESET) if user.active else None
        uow.record("user.password_reset", actor_user=actor, group_id=None,
                   payload={**_user_payload(user), "link_mailed": mail is not None})
    if mail is not None:
        mail_service.deliver([mail.id])
    return user, password


def set_roles(actor, user_id, *, coordinator, admin):
    """Grant or remove the network-wide roles. The last active admin keeps theirs.
    Raises Forbidden, NotFound, Invalid."""
    _require(actor, perm.MANAGE_USERS)
    user = _get(User, user_id, "user")
    if user.is_admin and not admin and not _other_active_admins(user):
        raise Invalid(N_("The last active administrator must stay an administrator."))
    with unit_of_work() as uow:
        user.is_coordinator = bool(coordinator)
        user.is_admin = bool(admin)
        uow.record("user.roles_changed", actor_user=actor, group_id=None, payload=_user_payload(user))
    return user


def set_library(actor, user_id, library_id):
    """Attach the account to a library (or none). Raises Forbidden, NotFound."""
    _require(actor, perm.MANAGE_USERS)
    user = _get(User, user_id, "user")
    library = _get(Library, library_id, "library") if library_id else None
    with unit_of_work() as uow:
        user.library = library
        uow.record("user.updated", actor_user=actor, group_id=None,
                   payload={**_user_payload(user), "library": library.name if library else None})
    return user


# ---------------------------------------------------------------- libraries and basins

def list_basins(actor):
    _require(actor, perm.MANAGE_GROUPS)
    return list(db.session.scalars(select(Basin).options(selectinload(Basin.libraries)).order_by(Basin.name)))


def list_libraries(actor):
    _require(actor, perm.MANAGE_USERS)
    return list(db.session.scalars(select(Library).options(selectinload(Library.basin)).order_by(Library.name)))


def create_basin(actor, name):
    """A reading basin (bassin de lecture). Raises Forbidden, Invalid, Conflict."""
    _require(actor, perm.MANAGE_GROUPS)
    name = _name(name)
    if db.session.scalar(select(Basin.id).where(Basin.name == name)):
        raise Conflict(N_("A basin '%(name)s' already exists."), params={"name": name})
    with unit_of_work() as uow:
        basin = Basin(name=name)
        db.session.add(basin)
        db.session.flush()
        uow.record("basin.created", actor_user=actor, group_id=None, payload={"basin": {"id": basin.id, "name": name}})
    return basin


def create_library(actor, name, basin_id=None):
    """A library (médiathèque), optionally in a basin. Raises Forbidden, Invalid, Conflict, NotFound."""
    _require(actor, perm.MANAGE_GROUPS)
    name = _name(name)
    basin = _get(Basin, basin_id, "basin") if basin_id else None
    if db.session.scalar(select(Library.id).where(Library.name == name)):
        raise Conflict(N_("A library '%(name)s' already exists."), params={"name": name})
    with unit_of_work() as uow:
        library = Library(name=name, basin=basin)
        db.session.add(library)
        db.session.flush()
        uow.record("library.created", actor_user=actor, group_id=None,
                   payload={"library": {"id": library.id, "name": name, "basin": basin.name if basin else None}})
    return library


def update_library(actor, library_id, *, name, basin_id=None):
    """Rename a library or move it to another basin. Raises Forbidden, NotFound, Invalid, Conflict."""
    _require(actor, perm.MANAGE_GROUPS)
    library = _get(Library, library_id, "library")
    name = _name(name)
    basin = _get(Basin, basin_id, "basin") if basin_id else None
    if db.session.scalar(select(Library.id).where(Library.name == name, Library.id != library.id)):
        raise Conflict(N_("A library '%(name)s' already exists."), params={"name": name})
    with unit_of_work() as uow:
        library.name = name
        library.basin = basin
        uow.record("library.updated", actor_user=actor, group_id=None,
                   payload={"library": {"id": library.id, "name": name, "basin": basin.name if basin else None}})
    return library


# ---------------------------------------------------------------- groups and memberships

def list_groups(actor):
    _require(actor, perm.MANAGE_GROUPS)
    return list(db.session.scalars(
        select(Group).options(selectinload(Group.memberships).selectinload(Membership.user)).order_by(Group.name)))


def get_group(actor, group_id):
    _require(actor, perm.MANAGE_GROUPS)
    return _get(Group, group_id, "group")


# The group settings as the admin page labels them, for a refusal naming one.
GROUP_FIELD_NAMES = {"review_limit_days": N_("Review time limit (working days)"),
                     "required_approvals": N_("Approvals needed")}


def _group_fields(data):
    out = {}
    if "name" in data:
        out["name"] = _name(data["name"])
    if "description" in data:
        out["description"] = (data["description"] or "").strip()[:2000]
    if "color" in data:
        color = (data["color"] or "").strip()
        if len(color) != 7 or color[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in color[1:]):
            raise Invalid(N_("A colour is written #rrggbb."), errors={"color": [N_("Write #rrggbb.")]})
        out["color"] = color
    for field, low, high in (("review_limit_days", 1, 60), ("required_approvals", 1, 2)):
        if field in data:
            value = data[field]
            if not isinstance(value, int) or not low <= value <= high:
                raise Invalid(N_("%(field)s is a whole number from %(low)s to %(high)s."),
                              params={"field": Text(GROUP_FIELD_NAMES[field], plain=field), "low": low, "high": high},
                              errors={field: [Text(N_("From %(low)s to %(high)s."), {"low": low, "high": high})]})
            out[field] = value
    return out


def _group_payload(group):
    return {"group": {"id": group.id, "name": group.name, "description": group.description, "color": group.color,
                      "review_limit_days": group.review_limit_days, "required_approvals": group.required_approvals}}


def create_group(actor, data):
    """A working group (``name`` required; description, color, review_limit_days,
    required_approvals optional). Raises Forbidden, Invalid, Conflict."""
    _require(actor, perm.MANAGE_GROUPS)
    fields = _group_fields({"description": "", **data})
    if "name" not in fields:
        raise Invalid(N_("A group needs a name."), errors={"name": [N_("Required.")]})
    if db.session.scalar(select(Group.id).where(Group.name == fields["name"])):
        raise Conflict(N_("A group '%(name)s' already exists."), params={"name": fields["name"]})
    with unit_of_work() as uow:
        group = Group(wip_limits={}, **fields)
        db.session.add(group)
        db.session.flush()
        uow.record("group.created", actor_user=actor, group_id=group.id, payload=_group_payload(group))
    return group


def update_group(actor, group_id, data):
    """Change a group's name, description, colour, review limit or approvals. Raises
    Forbidden, NotFound, Invalid, Conflict."""
    _require(actor, perm.MANAGE_GROUPS)
    group = _get(Group, group_id, "group")
    fields = _group_fields(data)
    if "name" in fields and db.session.scalar(
            select(Group.id).where(Group.name == fields["name"], Group.id != group.id)):
        raise Conflict(N_("A group '%(name)s' already exists."), params={"name": fields["name"]})
    with unit_of_work() as uow:
        for key, value in fields.items():
            setattr(group, key, value)
        uow.record("group.updated", actor_user=actor, group_id=group.id, payload=_group_payload(group))
    return group


def add_member(actor, group_id, username, role):
    """Make ``username`` an agent or lead of the group (changes the role of a member)
    through accounts.add_member, the CLI's function, which records it. Raises Forbidden, NotFound, Invalid."""
    _require(actor, perm.MANAGE_GROUPS)
    group = _get(Group, group_id, "group")
    if role not in MEMBERSHIP_ROLES:
        raise Invalid(N_("Role must be one of %(roles)s."), params={"roles": ", ".join(MEMBERSHIP_ROLES)},
                      errors={"role": [N_("Unknown role.")]})
    return accounts.add_member((username or "").strip(), group.name, role, actor=actor)


def remove_member(actor, group_id, user_id):
    """Take a person out of a group (their items stay). Raises Forbidden, NotFound."""
    _require(actor, perm.MANAGE_GROUPS)
    group = _get(Group, group_id, "group")
    membership = db.session.get(Membership, (user_id, group.id)) if isinstance(user_id, int) else None
    if membership is None:
        raise NotFound(N_("This person is not a member of the group."))
    username = membership.user.username
    with unit_of_work() as uow:
        db.session.delete(membership)
        uow.record("membership.removed", actor_user=actor, group_id=group.id,
                   payload={"user_id": user_id, "username": username})


# ---------------------------------------------------------------- channels

def list_channels(actor):
    _require(actor, perm.MANAGE_GROUPS)
    return list(db.session.scalars(select(Channel).options(selectinload(Channel.blackout_dates))
                                   .order_by(Channel.name)))


def create_channel(actor, slug, name, daily_capacity):
    """A publication channel. Capacity and blackout dates are then changed through
    services/channels.py. Raises Forbidden, Invalid, Conflict."""
    _require(actor, perm.MANAGE_GROUPS)
    slug = (slug or "").strip().lower()
    if not slug or len(slug) > 60 or not slug.replace("-", "").isalnum() or not slug.isascii():
        raise Invalid(N_("A slug is lowercase letters, digits and '-'."), errors={"slug": [N_("Letters, digits, '-'.")]})
    name = _name(name)
    if not isinstance(daily_capacity, int) or not 0 <= daily_capacity <= 1000:
        raise Invalid(N_("The daily capacity must be a whole number between 0 and 1000."),
                      errors={"daily_capacity": [N_("Between 0 and 1000.")]})
    if db.session.scalar(select(Channel.id).where((Channel.slug == slug) | (Channel.name == name))):
        raise Conflict(N_("A channel '%(slug)s' or '%(name)s' already exists."), params={"slug": slug, "name": name})
    with unit_of_work() as uow:
        channel = Channel(slug=slug, name=name, daily_capacity=daily_capacity)
        db.session.add(channel)
        db.session.flush()
        uow.record("channel.created", actor_user=actor, group_id=None,
                   payload={"channel": {"id": channel.id, "slug": slug, "name": name,
                                        "daily_capacity": daily_capacity}})
    return channel


def has_admin():
    """Whether the network already has an (active) administrator."""
    return db.session.scalar(select(User.id).where(User.is_admin.is_(True), User.active.is_(True)).limit(1)) is not None


def has_users():
    return db.session.scalar(select(User.id).limit(1)) is not None


def create_first_admin(username, password, *, display_name=None, email=None):
    """First run: create the network's first administrator. Refused (Conflict) once
    there is one, so the first-run page cannot be used to take over. Raises Invalid, Conflict."""
    if has_admin():
        raise Conflict(N_("An administrator already exists."))
    return accounts.create_user(username, password, display_name=display_name or None, email=email or None,
                                admin=True, event_extra={"first_run": True})
