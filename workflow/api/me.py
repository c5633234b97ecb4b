"""The caller: /me, their work ("Mon travail") and personal API tokens."""
import json

from flask import current_app, jsonify

from ..schemas import MeOut, PasswordChangeIn, TokenIn
from ..schemas.my_work import dump_work
from ..services import accounts
from ..services import my_work as work
from ..services import queries
from ..security import bearer_token, login_limits
from .blueprint import bp
from .common import caller, json_body

_me_out = MeOut()  # built once


@bp.get("/me")
def me():
    from .feeds import ical_url

    user = queries.profile(caller())
    return jsonify({**_me_out.dump(user), "ical_url": ical_url(user)})


@bp.post("/tokens")
@login_limits
def create_token():
    data = TokenIn().load(json_body())
    token, user = accounts.create_token(data["username"], data["password"], data["name"])
    return jsonify({"token": token, "username": user.username}), 201


@bp.delete("/tokens/current")
def revoke_current_token():
    user = caller()
    token = bearer_token()
    if not token:
        from ..domain.errors import N_, Invalid

        raise Invalid(N_("Only a Bearer-authenticated request can revoke its token."))
    accounts.revoke_token(user, token)
    return "", 204


@bp.post("/me/password")
def change_password():
    """Change the caller's password: every other session and token stops working;
    the token this request used (if any) keeps working."""
    user = caller()
    data = PasswordChangeIn().load(json_body())
    accounts.change_password(user, data["current_password"], data["new_password"], keep_token=bearer_token())
    if not bearer_token():
        from flask_login import login_user

        login_user(user)  # the cookie session that asked carries the new generation
    return "", 204


@bp.get("/me/work")
def my_work():
    """The caller's "Mon travail": its sections in their fixed order (``jsonify`` would sort the keys)."""
    body = json.dumps(dump_work(work.my_work(caller())), ensure_ascii=False)
    return current_app.response_class(body, mimetype="application/json")
