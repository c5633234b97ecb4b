"""Sign in and out with a username and password (Flask-Login session), and
change one's password. Sign-in is rate-limited per client address and per
targeted username, and an account locks after repeated failures
(services.accounts.authenticate)."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..domain.errors import DomainError
from ..security import login_limits
from ..services import accounts
from ..services.accounts import authenticate, change_password
from .blueprint import bp


def _safe_next(target):
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# One answer for every refused sign-in: an unknown username, a wrong password and
# a locked account look the same, so the answer does not tell which usernames exist.
SIGN_IN_REFUSED = _l("Wrong username or password, or the account is locked for a while after several "
                     "failed attempts. Try again in a few minutes or ask an administrator.")


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()[:40]
        password = request.form.get("password") or ""
        user = authenticate(username, password) if username and password else None
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("web.index"))
        error = str(SIGN_IN_REFUSED)
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    # Bumping the generation kills this session, any copy of its cookie and its sockets.
    accounts.log_out(current_user._get_current_object())
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password_page():
    """Change one's password: every other session and API token stops working,
    this browser stays signed in."""
    error = None
    if request.method == "POST":
        user = current_user._get_current_object()
        new = request.form.get("new_password") or ""
        if new != (request.form.get("confirm_password") or ""):
            error = _("The two new passwords are not the same.")
        else:
            try:
                change_password(user, request.form.get("current_password") or "", new)
            except DomainError as exc:
                error = (_("The current password is wrong.") if exc.status == 401
                         else _("The new password must have at least 8 characters."))
            else:
                login_user(user)  # this session carries the new generation
                flash(_("Password changed. Your other sessions were closed."))
                return redirect(url_for("web.index"))
    return render_template("auth/password.html", error=error), (422 if error else 200)
