"""Feeds other tools read: iCalendar at secret-token URLs (no login: the token
is the credential), Atom per channel (public: the items are published). Both
answer conditional GETs (``If-None-Match`` / ``If-Modified-Since``) with 304."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

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


def feed_domain():
    """The domain naming this deployment's calendar UIDs and tag URIs: FEED_UID_DOMAIN,
    else PUBLIC_URL's host, else the request's."""
    configured = current_app.config.get("FEED_UID_DOMAIN")
    if configured:
        return configured
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or request.host.split(":")[0]


# HTTP dates count whole seconds: a document changed in the last moments may change
# again within the second its Last-Modified names (or a change may still be
# committing), and a client asking If-Modified-Since that second would be told
# "not modified". Such a document goes without Last-Modified (its ETag is exact).
SETTLE = timedelta(seconds=5)


def _conditional(document, mimetype, cache_control):
    """The document with its ETag and Last-Modified, or a 304 when the client's copy
    is current (If-None-Match wins over If-Modified-Since, RFC 9110 §13.2.2)."""
    response = current_app.response_class(document.body, mimetype=mimetype)
    response.headers["Cache-Control"] = cache_control
    response.set_etag(document.etag)
    if document.last_modified <= datetime.now(timezone.utc) - SETTLE:
        response.last_modified = document.last_modified
    return response.make_conditional(request)


def _ical_response(document):
    response = _conditional(document, "text/calendar", "private, max-age=300")
    response.headers["Content-Disposition"] = 'inline; filename="relais.ics"'
    return response


@bp.get("/feeds/ical/<token>/calendar.ics")
def ical_feed(token):
    """Every scheduled or published item the token's owner can see, and as cancelled
    those that recently left the calendar."""
    return _ical_response(feed_service.ical_feed(token, item_url=_item_url, domain=feed_domain()))


@bp.get("/feeds/ical/<token>/groups/<int:group_id>/calendar.ics")
def group_ical_feed(token, group_id):
    """One group's scheduled and published items (a group the owner can see)."""
    return _ical_response(feed_service.ical_feed(token, group_id=group_id, item_url=_item_url,
                                                 domain=feed_domain()))


@bp.post("/me/feed-token")
def regenerate_feed_token():
    """A new secret: the old feed URLs stop working."""
    user = caller()
    feed_service.regenerate_feed_token(user)
    return jsonify({"ical_url": ical_url(user)}), 201


@bp.get("/feeds/channels/<slug>/atom.xml")
def atom_feed(slug):
    document = feed_service.atom_feed(slug, self_url=request.base_url, site_url=request.host_url,
                                      item_url=_item_url, authority=feed_domain(),
                                      tag_date=current_app.config.get("FEED_TAG_DATE", "2024"))
    return _conditional(document, "application/atom+xml", "public, max-age=300")
