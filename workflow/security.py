"""Who is calling: browser sessions (Flask-Login) or personal API tokens
(``Authorization: Bearer``). Every cookie-authenticated write must come from the
app's own origin (``Origin`` header) and carry the CSRF token; Bearer requests
carry no cookie authority and are exempt. The response headers every answer
carries (CSP, HSTS over HTTPS, no caching of the API) are set here too."""
import functools
import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError

from .domain.errors import N_
from .extensions import client_address, csrf, db, limiter, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DEFAULT_PORTS = {"http": 80, "https": 443}
CROSS_ORIGIN_REFUSED = N_("This request was sent from another site, so it was refused. "
                          "Open Relais itself and try again.")
API_CACHE_CONTROL = "private, no-store"

# Sign-in attempts (web form and token exchange), per client address and per
# targeted username; overridable in the config (LOGIN_RATE_LIMIT, LOGIN_USER_RATE_LIMIT).
LOGIN_RATE_LIMIT = "20 per minute"
LOGIN_USER_RATE_LIMIT = "10 per minute"


def _login_username():
    """The username a sign-in attempt targets (form or JSON), normalised."""
    name = request.form.get("username") if request.form else None
    if name is None and request.is_json:
        data = request.get_json(silent=True)
        name = data.get("username") if isinstance(data, dict) else None
    return name.strip().lower()[:40] if isinstance(name, str) else ""


def _login_user_key():
    # The username alone: a thousand addresses guessing one account share this budget.
    return "login-user:" + _login_username()


def _login_address_key():
    # The address alone: one address guessing a thousand usernames shares this budget.
    return "login-addr:" + client_address()


def login_limits(view):
    """Rate-limit a sign-in view by client address and by targeted username.
    Each key is built from what the attacker cannot vary freely on its own:
    the address the server sees, and the account under attack."""
    from flask import current_app

    by_address = limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", LOGIN_RATE_LIMIT),
                               key_func=_login_address_key, methods=["POST"])
    by_user = limiter.limit(lambda: current_app.config.get("LOGIN_USER_RATE_LIMIT", LOGIN_USER_RATE_LIMIT),
                            key_func=_login_user_key, methods=["POST"])
    return by_address(by_user(view))


def _origin(url):
    """(scheme, host, port) of an origin or URL, the default port filled in; None
    for anything else (``null``, a path, a bad port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def own_origins():
    """The origins the app answers at: this request's scheme and host (ProxyFix
    corrects them behind a trusted proxy), and ``PUBLIC_URL``."""
    origins = {_origin(f"{request.scheme}://{request.host}"), _origin(current_app.config.get("PUBLIC_URL") or "")}
    origins.discard(None)
    return origins


def is_foreign_origin():
    """True when the request names, in its ``Origin`` header, a site other than the
    app (``null`` included). No header (an older browser, curl) is not foreign."""
    origin = request.headers.get("Origin")
    return origin is not None and _origin(origin) not in own_origins()


def _cross_origin_refusal():
    from werkzeug.exceptions import Forbidden

    if request.path.startswith("/api/"):
        from .api.errors import problem

        return problem(403, gettext("Forbidden"), gettext(CROSS_ORIGIN_REFUSED))
    from .web.errors import render_http_error

    return render_http_error(Forbidden(CROSS_ORIGIN_REFUSED))  # its description is translated there


def signed_link_view(view):
    """Mark a view authorised by a signed token in its URL alone (the one-click
    unsubscribe link of a mail, RFC 8058: a mail provider POSTs it with no cookie,
    no Origin and no CSRF token). Such a view must not act on the signed-in user."""
    view.relais_signed_link = True
    return view


def _bearer_header(headers):
    header = headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def bearer_token():
    return _bearer_header(request.headers)


def _init_proxy_fix(app):
    # Behind TRUSTED_PROXIES proxies we run (nginx), believe their X-Forwarded-For
    # and X-Forwarded-Proto: the client's address for the limits, https for HSTS and
    # the Origin check. Never by default: a client could set those headers itself.
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


class TokenRequestSession(SecureCookieSession):
    """The session of a Bearer request to the API: always empty, never saved."""


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a Bearer request to the API carries no
    cookie authority (it is authenticated by its token alone): its cookie is neither
    verified nor written back, which spares every token read a signature check
    and a cookie. The signing serializer is built once per set of keys, not per
    request."""

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request):
        if request.path.startswith("/api/") and _bearer_header(request.headers) is not None:
            return TokenRequestSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if isinstance(session, TokenRequestSession):
            if session.accessed:
                response.vary.add("Cookie")  # as Flask does; the answer is the same either way
            return
        super().save_session(app, session, response)


# Every limit counts sign-in POSTs (login_limits): a read has none, so it skips the
# limiter's per-request lookup (a sixth of an item read's time): this filter for the
# decorated views, and _skip_limiter_hooks_for_reads for the hooks around every
# request. A limit meant for a GET would have to change both.
READ_METHODS = ("GET", "HEAD", "OPTIONS")


@limiter.request_filter
def _reads_count_against_no_limit():
    return request.method in READ_METHODS


def _skip_limiter_hooks_for_reads(app):
    """Flask-Limiter's before- and after-request hooks, run for writes only: for a
    read the filter above makes them find no limit and add no header, after work
    that cost more than the item read's own query."""
    def before_writes(hook):
        @functools.wraps(hook)
        def check():
            return None if request.method in READ_METHODS else hook()
        return check

    def after_writes(hook):
        @functools.wraps(hook)
        def inject(response):
            return response if request.method in READ_METHODS else hook(response)
        return inject

    before, after = app.before_request_funcs.get(None, []), app.after_request_funcs.get(None, [])
    before[:] = [before_writes(hook) if hook == limiter._check_request_limit else hook for hook in before]
    after[:] = [after_writes(hook) if isinstance(hook, functools.partial) and hook.args[:1] == (limiter,)
                else hook for hook in after]


def _init_limiter(app):
    # Redis when configured, so every process shares the counters; memory otherwise.
    # If Redis goes away, count in memory meanwhile rather than refuse to sign anyone in.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    limiter.init_app(app)
    _skip_limiter_hooks_for_reads(app)


def init_app(app):
    _init_proxy_fix(app)
    app.session_interface = SessionInterface()
    _init_limiter(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = N_("Log in to see this page.")
    login_manager.localize_callback = gettext  # in the reader's language, when it is flashed

    @login_manager.user_loader
    def load_user(session_id):
        from .models import User

        try:
            user_id, generation = (int(part) for part in session_id.split(":"))
        except (ValueError, AttributeError):
            return None
        user = db.session.get(User, user_id)
        if user is None or user.session_generation != generation or not user.active:
            return None
        return user

    with app.app_context():
        autocommit_reads = db.engine.dialect.name == "postgresql"

    @app.before_request
    def authenticate_and_protect():
        # Authenticate every request afresh: an app context shared by several
        # requests (tests, or a worker reusing one) must not carry the last caller over.
        g.pop("_login_user", None)
        # The CSP nonce is drawn when a page is rendered (csp_nonce below): JSON needs none.
        g.pop("csp_nonce", None)
        token = bearer_token()
        g.auth_via_token = token is not None
        if token is not None:
            from .services.accounts import user_for_token

            if autocommit_reads and request.method in ("GET", "HEAD") and not db.session().in_transaction() \
                    and getattr(app.view_functions.get(request.endpoint), "relais_read_only", False):
                # A hot read (api.common.read_only) on PostgreSQL: no BEGIN, no ROLLBACK round trip.
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

            # A Bearer request is authenticated by its token alone, never by a cookie.
            g._login_user = user_for_token(token) or AnonymousUserMixin()
            return None
        if request.method in UNSAFE_METHODS:
            if getattr(app.view_functions.get(request.endpoint), "relais_signed_link", False):
                return None  # the token in the URL is the authority, not a cookie
            if request.path.startswith("/api/") and not current_user.is_authenticated:
                # No session, so no cookie authority to abuse: let the API answer 401.
                return None
            if is_foreign_origin():
                # Refused even with a valid CSRF token: a token leaked to another
                # site (or a subdomain's cookie) must not be enough to write.
                return _cross_origin_refusal()
            if app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass, not one scan per header
        nonce = g.get("csp_nonce")
        for name, value in (_PAGE_HEADERS if nonce is None else _page_headers(nonce)):
            if name.lower() not in present:
                headers.add(name, value)
        hsts = int(app.config.get("HSTS_SECONDS") or 0)
        if hsts > 0 and request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        if request.path.startswith("/api/") and "cache-control" not in present:
            # Feeds and the board set their own policy (revalidated with ETags).
            headers.add("Cache-Control", API_CACHE_CONTROL)
        return response

    @app.context_processor
    def csp_nonce():
        # A fresh nonce per rendered page: libraries that inject <style> at runtime
        # (FullCalendar reads <meta name="csp-nonce">) may do so, nothing else may.
        # Drawn only when a template is rendered, so API answers cost no random draw.
        if "csp_nonce" not in g:
            g.csp_nonce = secrets.token_urlsafe(16)
        return {"csp_nonce": g.csp_nonce}

    assert CSRFError


def _page_headers(nonce=None):
    """The headers every answer carries unless it set its own, with the CSP nonce of
    a rendered page (libraries that inject <style> may use it)."""
    nonce_source = f" 'nonce-{nonce}'" if nonce else ""
    return (("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy",
             "default-src 'self'; script-src 'self'; "
             f"style-src 'self'{nonce_source}; img-src 'self' data:; font-src 'self' data:; "
             # 'self' covers the same host's ws:/wss: (CSP Level 3; Chromium and Firefox).
             "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"))


_PAGE_HEADERS = _page_headers()  # JSON and pages without a nonce: built once
