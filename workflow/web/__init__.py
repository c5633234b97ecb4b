"""HTML pages: sign-in, the groups list, boards."""
from .blueprint import bp  # noqa: F401  (what create_app registers)

from . import auth, board, main  # noqa: E402,F401
from . import locale  # noqa: E402,F401
from . import calendar  # noqa: E402,F401
from . import reviews, notifications  # noqa: E402,F401
from . import dashboard, admin, onboarding, help, account_links  # noqa: E402,F401
from . import mail_links, people  # noqa: E402,F401
from . import search  # noqa: E402,F401
