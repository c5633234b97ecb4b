"""The page of a one-time link (invitation or password reset, sent by e-mail):
the person chooses their password and is signed in (services.invitations)."""
from contextlib import nullcontext

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..domain.errors import DomainError, NotFound
from ..i18n import reading_as, translate_error
from ..services import invitations
from .blueprint import bp


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def account_link(token):
    try:
        link = invitations.find(token)
    except NotFound as exc:
        return render_template("auth/welcome.html", invalid=translate_error(exc), user=None, error=None), 404
    # The page speaks the language the account was made with, unless this browser chose one.
    with nullcontext() if session.get("locale") else reading_as(link.user):
        return _choose(token, link)


def _choose(token, link):
    error = None
    if request.method == "POST":
        try:
            user = invitations.choose_password(token, request.form.get("password"), request.form.get("confirm"))
        except DomainError as exc:
            error = translate_error(exc)
        else:
            logout_user()  # whoever was signed in in this browser, it is now this person
            login_user(user)
            if link.purpose == invitations.INVITE:  # a first visit: the help page for their role
                flash(_("Your password is saved. Welcome to Relais! Here is how it works."))
                return redirect(url_for("web.help_page"))
            flash(_("Your new password is saved."))
            return redirect(url_for("web.index"))
    return render_template("auth/welcome.html", invalid=None, user=link.user, purpose=link.purpose,
                           error=error), (422 if error else 200)
