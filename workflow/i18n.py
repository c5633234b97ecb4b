"""Languages (French by default, English) and time zones, through Flask-Babel.

Source strings (msgids) are English; translations/fr holds the French the staff
read, translations/en the English (an empty msgstr means "the msgid itself").

- Locale: the signed-in user's ``User.locale``, else the one chosen in this
  session before signing in, else the browser's
  Accept-Language, else French.
- Time zone: the user's ``User.timezone`` (Europe/Paris by default).
- Templates use ``_()``/``ngettext()`` and the ``datetime``/``date``/``number``
  filters, which format for the locale and time zone.
- JavaScript: the strings marked ``_("…")``/``ngettext(…)`` in static/js are
  extracted once per process and handed to every page, translated, in a
  ``<script type="application/json" id="i18n">`` block (no inline script: CSP).
- Domain errors carry English text (the domain knows nothing of Flask);
  :func:`translate_error` translates their template at the door, and with it the
  params that are words too (:class:`~workflow.domain.errors.Text`: state names,
  transitions, roles) and the dates, written for the reader.
"""
import glob
import logging
import os
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from babel.messages.extract import extract_from_file
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import (refresh, format_date, format_datetime, format_decimal, format_time, format_timedelta,
                         get_locale, get_translations, gettext, lazy_gettext, ngettext, to_user_timezone)
from flask_babel.speaklater import LazyString
from flask_login import current_user

from .domain import states as st
from .domain.errors import Text
from .extensions import babel

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
DEFAULT_TIMEZONE = "Europe/Paris"
LOCALE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language, never translated
JS_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
# Besides gettext's usual ones, the keywords `make messages` extracts: N_ (a domain msgid),
# _l (lazy), T_ and Tn_ (a message stored to be written later in its reader's language).
PYTHON_KEYWORDS = ("N_", "_l", "T_", "Tn_:1,2")

log = logging.getLogger(__name__)

_l = lazy_gettext  # a string translated when it is rendered (module-level labels)

# What the pages call each state and resource type (the domain's constants are the keys).
STATE_NAMES = {**{state: _l(name) for state, name in st.STATE_NAMES.items()}, "trash": _l("Trash")}
TYPE_NAMES = {
    "video": _l("Video"),
    "self_training": _l("Self-training"),
    "ebook": _l("E-book"),
    "article": _l("Article"),
    "kids": _l("Children"),
    "audio": _l("Audio"),
    "other": _l("Other"),
}
ROLE_NAMES = {"agent": _l("agent"), "lead": _l("lead"), "coordinator": _l("coordinator")}
NOTIFICATION_KIND_NAMES = {
    "review_requested": _l("Review requested (leads)"),
    "decision": _l("Decision on my proposals"),
    "mention": _l("Someone mentions me"),
    "scheduled": _l("My proposal is scheduled"),
    "published": _l("My proposal is published"),
    "review_overdue": _l("Review overdue (reminder, escalation)"),
    "licence_expired": _l("Licence ended: publication withdrawn"),
    "due_date": _l("Due date tomorrow or passed (reminder)"),
    "followed": _l("News of items I follow"),
}


def _user():
    try:
        user = current_user._get_current_object()
    except Exception:  # no request or no login manager: anonymous
        return None
    return user if getattr(user, "is_authenticated", False) else None


def _reader():
    """The person something is being written for (see :func:`reading_as`), if any."""
    return g.get("relais_reader") if has_app_context() else None


def select_locale():
    """The locale of this request: the user's choice, the browser's, or French.
    Inside :func:`reading_as`, the reader's."""
    reader = _reader()
    if reader is not None:
        return reader.locale if reader.locale in LOCALES else DEFAULT_LOCALE
    user = _user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    if has_request_context():
        if session.get("locale") in LOCALES:  # chosen before signing in
            return session["locale"]
        return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def select_timezone():
    user = _reader() or _user()
    return (user.timezone if user is not None and user.timezone else None) or DEFAULT_TIMEZONE


@contextmanager
def reading_as(user):
    """Write in ``user``'s language and time zone inside the block (a notification
    or an e-mail for someone other than the person making the request)."""
    if not has_app_context():
        yield
        return
    previous = g.get("relais_reader")
    g.relais_reader = user
    refresh()
    try:
        yield
    finally:
        g.relais_reader = previous
        refresh()


def current_locale():
    return str(get_locale() or DEFAULT_LOCALE)


def _aware(moment):
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def format_moment(moment, format="short"):
    """A date and time for the reader: their locale, their time zone ("" for None)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return format_date(moment, format=format)
    return format_datetime(_aware(moment), format=format)


def format_when(moment):
    """A date and time in a sentence: « 1 juin 2027 à 16:00 » / "June 1, 2027 at 10:00 AM"."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = to_user_timezone(_aware(moment))
    return gettext("%(date)s at %(time)s", date=format_date(local.date(), format="long"),
                   time=format_time(local, format="short"))


def format_day(moment, format="medium"):
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment) if "T" in moment else date.fromisoformat(moment)
    if isinstance(moment, datetime):
        moment = to_user_timezone(_aware(moment)).date()
    return format_date(moment, format=format)


def format_number(value, format=None):
    return "" if value is None else format_decimal(value, format=format)


def format_duration(delta):
    """A waiting time for the reader: « 3 jours », « 5 heures » / "3 days", "5 hours"."""
    if delta is None:
        return ""
    return format_timedelta(max(delta, timedelta(0)), threshold=1.0, granularity="minute")


# --- Messages written later, in their reader's language ----------------------------
# A notification is stored as its message (msgids and parameters), not as text: each
# reader sees it in their own language, even after changing it. Dates travel as
# {"$moment": iso} / {"$day": iso} and are formatted for the reader's locale and zone.

def T_(msgid, **params):
    """A sentence to translate when read: ``msgid`` with ``%(name)s`` ``params``."""
    return {"id": msgid, "params": params}


def Tn_(singular, plural, num, **params):
    """Like :func:`T_` with a plural form chosen by ``num`` (also ``%(num)s``)."""
    return {"id": singular, "plural": plural, "num": num, "params": params}


def verbatim(text):
    """Text written by a person (a comment): never translated."""
    return {"text": text or ""}


def moment_param(moment):
    return {"$moment": moment.isoformat()} if moment is not None else ""


def day_param(day):
    return {"$day": day.isoformat() if hasattr(day, "isoformat") else str(day)} if day else ""


def _param(value):
    if isinstance(value, dict):
        try:
            if "$moment" in value:
                return format_when(value["$moment"])
            if "$day" in value:
                return format_day(value["$day"], "long")
        except ValueError:  # not a date after all: shown as stored
            return str(next(iter(value.values()), ""))
    return value


def render_part(part):
    """One stored message part in the current reader's language ("" for nothing)."""
    if not part:
        return ""
    if isinstance(part, str):  # written before messages were stored as msgids
        return part
    if "text" in part:
        return part["text"]
    params = {name: _param(value) for name, value in (part.get("params") or {}).items()}
    msgid, plural = part.get("id"), part.get("plural")  # (not literals inside the calls: not extracted)
    try:
        if plural:
            return ngettext(msgid, plural, int(part.get("num") or 0), **params)
        return gettext(msgid, **params)
    except (KeyError, ValueError, TypeError):  # a catalogue entry that does not fit its msgid
        log.warning("message %r could not be written", part.get("id"))
        return part["id"]


def render_lines(parts):
    return "\n".join(text for text in (render_part(p) for p in parts or ()) if text)


# --- JavaScript strings -----------------------------------------------------------

_extracted = {}  # {(path, mtime, size): [msgids]}: one extraction per file version per process


def js_msgids(static_folder):
    """Every msgid marked in static/js (singular strings and (singular, plural) pairs).
    Each file is read once per process and version: an app built again in the same process
    (the test suite builds thousands) pays a stat per file, not Babel's JavaScript lexer."""
    out = []
    for path in sorted(glob.glob(os.path.join(static_folder, "js", "**", "*.js"), recursive=True)):
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        messages = _extracted.get(key)
        if messages is None:
            messages = _extracted[key] = [message for _lineno, message, _comments, _context
                                          in extract_from_file("javascript", path, keywords=JS_KEYWORDS)]
        for message in messages:
            if message not in out:
                out.append(message)
    return out


def js_catalog():
    """The translated JS strings for this request's locale: {msgid: text or [one, other]}."""
    ids = current_app.extensions.get("relais_js_msgids")
    if ids is None:
        ids = current_app.extensions["relais_js_msgids"] = js_msgids(current_app.static_folder)
    translations = get_translations()
    out = {}
    for message in ids:
        if isinstance(message, tuple):
            # ngettext with n=1 and n=2 gives the singular and plural forms of both languages.
            out[message[0]] = [translations.ungettext(message[0], message[1], 1),
                               translations.ungettext(message[0], message[1], 2)]
        else:
            out[message] = translations.ugettext(message)
    return out


# --- Domain errors ----------------------------------------------------------------

def translate_text(msgid, params=None):
    """``msgid`` in the reader's language, filled from ``params``: a
    :class:`~workflow.domain.errors.Text` param is translated in turn (it may hold
    params of its own), a date or a time is written for the reader, anything else
    (a name, a number) is shown as it is."""
    params = {name: _message_param(value) for name, value in (params or {}).items()}
    return gettext(msgid, **params) if params else gettext(msgid)


def _message_param(value):
    if isinstance(value, Text):
        return translate_text(value.msgid, value.params)
    if isinstance(value, datetime):
        return format_moment(value)
    if isinstance(value, date):
        return format_day(value, "long")
    return value


def translate_error(exc):
    """The domain error's detail in the reader's language: its English template
    (``message``, with ``%(name)s`` placeholders filled from ``params``) is the msgid;
    a detail with no template is translated as it stands (fixed text) or kept."""
    template = getattr(exc, "message", None) or exc.detail
    params = getattr(exc, "params", None) or {}
    try:
        return translate_text(template, params)
    except (KeyError, ValueError, TypeError):  # a catalogue entry that does not fit its msgid
        log.warning("error message %r could not be translated", template)
        return exc.detail


def translate_field_errors(errors):
    """An :class:`~workflow.domain.errors.Invalid`'s ``errors`` (``{field: [message]}``)
    in the reader's language: each message is a msgid (or a Text with params)."""
    def translate(message):
        if isinstance(message, Text):
            return translate_text(message.msgid, message.params)
        return gettext(message) if isinstance(message, str) and message else message

    if not isinstance(errors, dict):
        return errors
    return {field: [translate(m) for m in messages] if isinstance(messages, (list, tuple)) else translate(messages)
            for field, messages in errors.items()}


def translate_title(title):
    return gettext(title) if title else title


# What the reader is told for an HTTP error Werkzeug raises (an unknown address, a method
# the route does not take, a crash): Werkzeug's own names and descriptions are English
# and not ours to translate, so each common status has its msgids here.
HTTP_ERRORS = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what was sent and try again.")),
    401: (_l("Authentication required"), _l("Sign in to see this page.")),
    403: (_l("Forbidden"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or no longer does. Check the address, or start "
                                   "again from the home page.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("What was sent is too large.")),
    415: (_l("Unsupported media type"), _l("The body of the request is not in a format this address accepts.")),
    428: (_l("Version required"), _l("Send the version you read, so that nobody's changes are overwritten.")),
    429: (_l("Too many requests"), _l("Too many requests in a short time: wait a moment and try again.")),
    500: (_l("Server error"), _l("Something went wrong on our side. Nothing you saved is lost; try again in a "
                                 "moment, and tell the network's administrator if it keeps happening.")),
    503: (_l("Service unavailable"), _l("Relais is unavailable for a moment: try again in a minute.")),
}


def http_error_text(exc):
    """``(status, title, detail)`` of a Werkzeug HTTP error, in the reader's language: our
    words for its status; a description given at the ``abort`` (already translated there)
    is kept as the detail, Werkzeug's default English one is not."""
    status = getattr(exc, "code", None) or 500
    title, detail = HTTP_ERRORS.get(status, HTTP_ERRORS[400 if status < 500 else 500])
    description = getattr(exc, "description", None)
    # (A 429's description is the limiter's rule, "20 per 1 minute": ours says it better.)
    if description and description != type(exc).description and status != 429:
        detail = translate_title(str(description))
    return status, str(title), str(detail)


# --- Catalogues -------------------------------------------------------------------

def translations_dir():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations")


def compile_stale_catalogues(directory=None):
    """Compile each messages.po whose messages.mo is missing or older (``make translations``
    does the same; this keeps a fresh checkout or a test run from showing raw msgids)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    directory = directory or translations_dir()
    for po_path in glob.glob(os.path.join(directory, "*", "LC_MESSAGES", "messages.po")):
        mo_path = po_path[:-3] + ".mo"
        po_mtime = os.path.getmtime(po_path)
        # The .mo carries the .po's mtime: a .po changed while it was read is compiled again.
        if os.path.exists(mo_path) and os.path.getmtime(mo_path) == po_mtime:
            continue
        try:
            with open(po_path, "rb") as po:
                catalog = read_po(po)
            partial = f"{mo_path}.{os.getpid()}.tmp"
            with open(partial, "wb") as mo:
                write_mo(mo, catalog)
            os.utime(partial, (po_mtime, po_mtime))
            os.replace(partial, mo_path)  # readers never see a half-written catalogue
        except OSError as exc:  # a read-only deployment compiles at build time instead
            log.warning("could not compile %s: %s", po_path, exc)


def init_app(app):
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations_dir())
    compile_stale_catalogues(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Flask-Babel caches the choice on ``g``, which outlives a request when an app context
    # is already pushed (tests, CLI): choose again for every request.
    app.before_request(refresh)
    default = app.json.default

    def json_default(value):  # lazy labels travel to the page's JSON blocks as plain text
        return str(value) if isinstance(value, LazyString) else default(value)

    app.json.default = json_default
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["duration"] = format_duration

    @app.context_processor
    def i18n_context():
        return {"current_locale": current_locale, "current_timezone": select_timezone, "js_catalog": js_catalog,
                "locales": LOCALES, "locale_names": LOCALE_NAMES}
