"""Who is calling: browser sessions (Flask-Login) or personal API tokens
(``Authorization: Bearer``). CSRF is checked on every cookie-authenticated
write; Bearer requests carry no cookie authority and are exempt."""
import secrets

from flask import g, request
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError

from .extensions import csrf, db, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token():
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def init_app(app):
    login_manager.login_view = "web.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."

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
