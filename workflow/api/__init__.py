"""The REST API under /api/v1: JSON in and out, problem details on error."""
from .blueprint import bp  # noqa: F401  (what create_app registers)

from . import errors, me, groups, items, events, channels, openapi  # noqa: E402,F401
from . import calendar, feeds, webhooks  # noqa: E402,F401
from . import reviews, notifications  # noqa: E402,F401
from . import idempotency  # noqa: E402,F401  (Idempotency-Key on writes)
from . import dashboard  # noqa: E402,F401
from . import labels, due_dates  # noqa: E402,F401
from . import attachments  # noqa: E402,F401
from . import bulk  # noqa: E402,F401
from . import tasks, columns  # noqa: E402,F401
from . import watches  # noqa: E402,F401
from . import search  # noqa: E402,F401
