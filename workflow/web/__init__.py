"""HTML pages: sign-in, the groups list, boards."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import auth, board, main  # noqa: E402,F401
from . import locale  # noqa: E402,F401
from . import calendar  # noqa: E402,F401
from . import reviews, notifications  # noqa: E402,F401
from . import dashboard, admin, onboarding, help, account_links  # noqa: E402,F401
