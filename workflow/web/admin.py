"""Administration pages (admins only): accounts, libraries and basins, working
groups and their members, channels and their rules, webhooks. Thin: each form
calls one function of services/admin.py (or services/channels.py, services/webhooks.py),
the same functions the CLI uses; a refused change comes back as a message on the page."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.errors import DomainError
from ..i18n import ROLE_NAMES, translate_error
from ..services import admin as service
from ..services import channels as channel_service
from ..services import invitations
from ..services.mail import deliverable as mail_deliverable
from ..services import webhooks as webhook_service
from .blueprint import bp
from .publisher_status import publisher_notice


def _me():
    return current_user._get_current_object()


def _int(name, default=None):
    value = (request.form.get(name) or "").strip()
    try:
        return int(value)
    except ValueError:
        return default


def _refused(exc):
    """Flash a refusal, in the reader's language (401 and 403 go to the error page instead)."""
    if exc.status in (401, 403):
        raise exc
    flash(_("Refused: %(reason)s", reason=translate_error(exc)), "error")


def _attempt(action, success, back):
    """Run ``action()``; flash ``success`` (already translated) or the refusal, and go back to ``back``."""
    try:
        action()
    except DomainError as exc:
        _refused(exc)
    else:
        flash(success)
    return redirect(back)


@bp.get("/admin")
@login_required
def admin_home():
    users = service.list_users(_me())
    return render_template("admin/home.html", users=users, groups=service.list_groups(_me()),
                           channels=service.list_channels(_me()), libraries=service.list_libraries(_me()),
                           publisher=publisher_notice(show_commands=True))


# ---------------------------------------------------------------- users

@bp.get("/admin/users")
@login_required
def admin_users():
    return render_template("admin/users.html", users=service.list_users(_me()),
                           libraries=service.list_libraries(_me()))


@bp.post("/admin/users")
@login_required
def admin_invite_user():
    form = request.form
    try:
        user, password = service.invite_user(
            _me(), form.get("username", ""), display_name=form.get("display_name"), email=form.get("email"),
            library=form.get("library") or None, coordinator=form.get("coordinator") == "on",
            admin=form.get("admin") == "on", locale=form.get("locale") or "fr")
    except DomainError as exc:
        _refused(exc)
        return render_template("admin/users.html", users=service.list_users(_me()),
                               libraries=service.list_libraries(_me()), draft=form), 422
    return _password_page(user, password, created=True)


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def admin_set_active(user_id):
    active = request.form.get("active") == "1"
    return _attempt(lambda: service.set_active(_me(), user_id, active),
                    _("Account reactivated.") if active
                    else _("Account deactivated: its sessions and tokens are cut off."),
                    url_for("web.admin_users"))


@bp.post("/admin/users/<int:user_id>/password")
@login_required
def admin_reset_password(user_id):
    try:
        user, password = service.reset_password(_me(), user_id)
    except DomainError as exc:
        _refused(exc)
        return redirect(url_for("web.admin_users"))
    return _password_page(user, password, created=False)


def _password_page(user, password, created):
    """The temporary password, shown once, and whether the one-time link went by e-mail."""
    purpose = invitations.INVITE if created else invitations.RESET
    return render_template("admin/password.html", user=user, password=password, created=created,
                           mailed=mail_deliverable(user.email) and user.active,
                           link_days=invitations.LIFETIME[purpose].days)


@bp.post("/admin/users/<int:user_id>/roles")
@login_required
def admin_set_roles(user_id):
    form = request.form
    return _attempt(lambda: service.set_roles(_me(), user_id, coordinator=form.get("coordinator") == "on",
                                              admin=form.get("admin") == "on"),
                    _("Roles saved."), url_for("web.admin_users"))


@bp.post("/admin/users/<int:user_id>/library")
@login_required
def admin_set_library(user_id):
    return _attempt(lambda: service.set_library(_me(), user_id, _int("library_id")),
                    _("Library saved."), url_for("web.admin_users"))


# ---------------------------------------------------------------- libraries and basins

@bp.get("/admin/libraries")
@login_required
def admin_libraries():
    return render_template("admin/libraries.html", libraries=service.list_libraries(_me()),
                           basins=service.list_basins(_me()))


@bp.post("/admin/basins")
@login_required
def admin_create_basin():
    return _attempt(lambda: service.create_basin(_me(), request.form.get("name")),
                    _("Reading basin created."), url_for("web.admin_libraries"))


@bp.post("/admin/libraries")
@login_required
def admin_create_library():
    return _attempt(lambda: service.create_library(_me(), request.form.get("name"), _int("basin_id")),
                    _("Library created."), url_for("web.admin_libraries"))


@bp.post("/admin/libraries/<int:library_id>")
@login_required
def admin_update_library(library_id):
    return _attempt(lambda: service.update_library(_me(), library_id, name=request.form.get("name"),
                                                   basin_id=_int("basin_id")),
                    _("Library saved."), url_for("web.admin_libraries"))


# ---------------------------------------------------------------- groups

def _group_form():
    data = {"name": request.form.get("name", ""), "description": request.form.get("description", "")}
    if request.form.get("color"):
        data["color"] = request.form["color"]
    for field in ("review_limit_days", "required_approvals"):
        if request.form.get(field):
            data[field] = _int(field, -1)
    return data


@bp.get("/admin/groups")
@login_required
def admin_groups():
    return render_template("admin/groups.html", groups=service.list_groups(_me()))


@bp.post("/admin/groups")
@login_required
def admin_create_group():
    created = []

    def create():
        created.append(service.create_group(_me(), _group_form()))

    response = _attempt(create, _("Group created. Now add its members."), url_for("web.admin_groups"))
    return redirect(url_for("web.admin_group", group_id=created[0].id)) if created else response


@bp.get("/admin/groups/<int:group_id>")
@login_required
def admin_group(group_id):
    group = service.get_group(_me(), group_id)
    members = sorted(group.memberships, key=lambda m: (m.role != "lead", m.user.display_name.lower()))
    return render_template("admin/group.html", group=group, members=members,
                           users=[u for u in service.list_users(_me()) if u.active])


@bp.post("/admin/groups/<int:group_id>")
@login_required
def admin_update_group(group_id):
    return _attempt(lambda: service.update_group(_me(), group_id, _group_form()), _("Group saved."),
                    url_for("web.admin_group", group_id=group_id))


@bp.post("/admin/groups/<int:group_id>/members")
@login_required
def admin_add_member(group_id):
    username = request.form.get("username", "")
    role = request.form.get("role", "agent")
    return _attempt(lambda: service.add_member(_me(), group_id, username, role),
                    _("%(username)s added to the group (%(role)s).", username=username,
                      role=ROLE_NAMES.get(role, role)),
                    url_for("web.admin_group", group_id=group_id))


@bp.post("/admin/groups/<int:group_id>/members/<int:user_id>/remove")
@login_required
def admin_remove_member(group_id, user_id):
    return _attempt(lambda: service.remove_member(_me(), group_id, user_id), _("Member removed from the group."),
                    url_for("web.admin_group", group_id=group_id))


# ---------------------------------------------------------------- channels and webhooks

@bp.get("/admin/channels")
@login_required
def admin_channels():
    channels = service.list_channels(_me())
    return render_template("admin/channels.html", channels=channels,
                           webhooks=webhook_service.list_webhooks(_me()))


@bp.post("/admin/channels")
@login_required
def admin_create_channel():
    return _attempt(lambda: service.create_channel(_me(), request.form.get("slug"), request.form.get("name"),
                                                   _int("daily_capacity", -1)),
                    _("Channel created."), url_for("web.admin_channels"))


@bp.post("/admin/channels/<int:channel_id>/capacity")
@login_required
def admin_channel_capacity(channel_id):
    return _attempt(lambda: channel_service.set_daily_capacity(_me(), channel_id, _int("daily_capacity", -1)),
                    _("Capacity saved."), url_for("web.admin_channels"))


def _day():
    try:
        return date.fromisoformat(request.form.get("day") or "")
    except ValueError:
        from ..domain.errors import N_, Invalid

        raise Invalid(N_("Choose a date."), errors={"day": [N_("Required.")]})


@bp.post("/admin/channels/<int:channel_id>/blackouts")
@login_required
def admin_add_blackout(channel_id):
    return _attempt(lambda: channel_service.add_blackout_date(_me(), channel_id, _day(),
                                                              request.form.get("reason", "")),
                    _("Blackout date added."), url_for("web.admin_channels"))


@bp.post("/admin/channels/<int:channel_id>/blackouts/remove")
@login_required
def admin_remove_blackout(channel_id):
    return _attempt(lambda: channel_service.remove_blackout_date(_me(), channel_id, _day()),
                    _("Blackout date removed."), url_for("web.admin_channels"))


@bp.post("/admin/webhooks")
@login_required
def admin_create_webhook():
    try:
        webhook = webhook_service.register_webhook(_me(), request.form.get("channel", ""),
                                                   (request.form.get("url") or "").strip())
    except DomainError as exc:
        _refused(exc)
        return redirect(url_for("web.admin_channels"))
    return render_template("admin/webhook_secret.html", webhook=webhook)


@bp.post("/admin/webhooks/<int:webhook_id>/deactivate")
@login_required
def admin_deactivate_webhook(webhook_id):
    return _attempt(lambda: webhook_service.deactivate_webhook(_me(), webhook_id), _("Webhook deactivated."),
                    url_for("web.admin_channels"))
