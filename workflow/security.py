"""Who is calling: browser sessions (Flask-Login) or personal API tokens
(``Authorization: Bearer``). CSRF is checked on every cookie-authenticated
write; Bearer requests carry no cookie authority and are exempt."""
import secrets

from flask import g, request
from flask_babel import gettext
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError

from .domain.errors import N_
from .extensions import client_address, csrf, db, limiter, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

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


def bearer_token():
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


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


def init_app(app):
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

    @app.before_request
    def authenticate_and_protect():
        # Authenticate every request afresh: an app context shared by several
        # requests (tests, or a worker reusing one) must not carry the last caller over.
        g.pop("_login_user", None)
        # A fresh nonce per response: libraries that inject <style> at runtime
        # (FullCalendar reads <meta name="csp-nonce">) may do so, nothing else may.
        g.csp_nonce = secrets.token_urlsafe(16)
        token = bearer_token()
        g.auth_via_token = token is not None
        if token is not None:
            from .services.accounts import user_for_token

            # A Bearer request is authenticated by its token alone, never by a cookie.
            g._login_user = user_for_token(token) or AnonymousUserMixin()
            return None
        if request.method in UNSAFE_METHODS and app.config.get("WTF_CSRF_ENABLED", True):
            if request.path.startswith("/api/") and not current_user.is_authenticated:
                # No session, so no cookie authority to abuse: let the API answer 401.
                return None
            csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; "
            f"style-src 'self'{_nonce_source()}; img-src 'self' data:; font-src 'self' data:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        return response

    @app.context_processor
    def csp_nonce():
        return {"csp_nonce": g.get("csp_nonce", "")}

    assert CSRFError


def _nonce_source():
    nonce = g.get("csp_nonce")
    return f" 'nonce-{nonce}'" if nonce else ""
