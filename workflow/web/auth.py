"""Sign in and out with a username and password (Flask-Login session)."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..services.accounts import authenticate
from . import bp


def _safe_next(target):
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
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
        error = "Identifiant ou mot de passe incorrect."
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    # Bumping the generation kills this session and any copy of its cookie.
    user.session_generation = (user.session_generation or 0) + 1
    db.session.commit()
    logout_user()
    flash("Vous êtes déconnecté·e.")
    return redirect(url_for("web.login"))
