"""The language switch in the page header: store the reader's choice, go back."""
from flask import redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user

from ..domain.errors import N_, Invalid
from ..i18n import LOCALES
from ..services.accounts import set_locale as store_locale
from .blueprint import bp
from .auth import _safe_next


@bp.post("/account/locale")
def set_locale():
    """Signed in: saved on the account (pages, e-mails, notifications follow it).
    Signed out (the sign-in page): kept in the session until sign-in."""
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        raise Invalid(N_("Unknown language '%(locale)s'."), params={"locale": locale},
                      errors={"locale": [N_("Unknown language.")]})
    if current_user.is_authenticated:
        store_locale(current_user._get_current_object(), locale)
    session["locale"] = locale
    refresh()
    return redirect(_safe_next(request.form.get("next")) or url_for("web.index"))
