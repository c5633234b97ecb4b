"""The caller: /me and personal API tokens."""
from flask import jsonify

from ..schemas import MeOut, PasswordChangeIn, TokenIn
from ..services import accounts
from ..security import bearer_token, login_limits
from .blueprint import bp
from .common import caller, json_body


@bp.get("/me")
def me():
    from .feeds import ical_url

    user = caller()
    return jsonify({**MeOut().dump(user), "ical_url": ical_url(user)})


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
