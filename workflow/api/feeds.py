"""Feeds other tools read: iCalendar at secret-token URLs (no login: the token
is the credential), Atom per channel (public: the items are published)."""
from flask import current_app, jsonify, request, url_for

from ..services import feeds as feed_service
from .blueprint import bp
from .common import caller


def ical_url(user):
    """The user's personal iCalendar URL (creates the secret on first use)."""
    return url_for("api.ical_feed", token=feed_service.ensure_feed_token(user), _external=True)


def atom_url(channel):
    return url_for("api.atom_feed", slug=channel.slug, _external=True)


def _item_url(item):
    return url_for("web.calendar_page", _external=True) + f"?item={item.id}"


def _ical_response(body):
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="relais.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/feeds/ical/<token>/calendar.ics")
def ical_feed(token):
    """Every scheduled or published item the token's owner can see."""
    return _ical_response(feed_service.ical_feed(token, item_url=_item_url, domain=_uid_domain()))


@bp.get("/feeds/ical/<token>/groups/<int:group_id>/calendar.ics")
def group_ical_feed(token, group_id):
    """One group's scheduled and published items (a group the owner can see)."""
    return _ical_response(feed_service.ical_feed(token, group_id=group_id, item_url=_item_url,
                                                 domain=_uid_domain()))


@bp.post("/me/feed-token")
def regenerate_feed_token():
    """A new secret: the old feed URLs stop working."""
    user = caller()
    feed_service.regenerate_feed_token(user)
    return jsonify({"ical_url": ical_url(user)}), 201


@bp.get("/feeds/channels/<slug>/atom.xml")
def atom_feed(slug):
    body = feed_service.atom_feed(slug, self_url=request.url, site_url=request.host_url)
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _uid_domain():
    return current_app.config.get("FEED_UID_DOMAIN", "relais")
