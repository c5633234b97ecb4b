"""First run: while the network has no administrator, /welcome creates the first
one (and the sign-in page of an empty database sends there). Once an admin exists the page is gone (404),
so it cannot be used to take an installation over."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from ..domain.errors import DomainError
from ..i18n import translate_error
from ..services import admin as admin_service
from .blueprint import bp


@bp.before_app_request
def first_run_redirect():
    """The sign-in page of a brand-new installation (no account at all) leads to the first-run page."""
    if request.endpoint == "web.login" and request.method == "GET" and not admin_service.has_users():
        return redirect(url_for("web.welcome"))
    return None


@bp.route("/welcome", methods=["GET", "POST"])
def welcome():
    if admin_service.has_admin():
        abort(404)
    error = None
    form = request.form
    if request.method == "POST":
        if form.get("password") != form.get("password_again"):
            error = _("The two passwords are not the same.")
        else:
            try:
                user = admin_service.create_first_admin(
                    form.get("username", "").strip(), form.get("password", ""),
                    display_name=form.get("display_name", "").strip(), email=form.get("email", "").strip())
            except DomainError as exc:
                error = translate_error(exc)
            else:
                login_user(user)
                flash(_("Welcome! Your administration account is created. "
                        "Now create the groups and invite the teams."))
                return redirect(url_for("web.admin_home"))
    return render_template("onboarding/welcome.html", error=error, form=form), (422 if error else 200)
