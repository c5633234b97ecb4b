"""The caller: /me and personal API tokens."""
from flask import jsonify

from ..schemas import MeOut, TokenIn
from ..services import accounts
from ..security import bearer_token
from . import bp
from .common import caller, json_body


@bp.get("/me")
def me():
    from .feeds import ical_url

    user = caller()
    return jsonify({**MeOut().dump(user), "ical_url": ical_url(user)})


@bp.post("/tokens")
def create_token():
    data = TokenIn().load(json_body())
    token, user = accounts.create_token(data["username"], data["password"], data["name"])
    return jsonify({"token": token, "username": user.username}), 201


@bp.delete("/tokens/current")
def revoke_current_token():
    user = caller()
    token = bearer_token()
    if not token:
        from ..domain.errors import Invalid

        raise Invalid("Only a Bearer-authenticated request can revoke its token.")
    accounts.revoke_token(user, token)
    return "", 204
