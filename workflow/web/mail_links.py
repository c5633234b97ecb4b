"""The one-click unsubscribe link of notification mails (List-Unsubscribe,
RFC 8058): GET shows a page asking to confirm, POST (the button, or the mail
client's one-click ``List-Unsubscribe=One-Click``) turns the mails off. The
signed token in the URL is the whole authority: no sign-in, no cookie used."""
from contextlib import nullcontext

from flask import render_template, request, session

from ..domain.errors import NotFound
from ..i18n import reading_as, translate_error
from ..security import signed_link_view
from ..services import notifications as notes
from .blueprint import bp


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@signed_link_view
def mail_unsubscribe(token):
    try:
        user = notes.unsubscribe(token) if request.method == "POST" else notes.unsubscriber(token)
    except NotFound as exc:
        return render_template("mail/unsubscribe.html", invalid=translate_error(exc), user=None), 404
    with nullcontext() if session.get("locale") else reading_as(user):
        return render_template("mail/unsubscribe.html", invalid=None, user=user, done=request.method == "POST")
