"""What the calendar and the admin page say about the publisher: when it last
ran, and a warning when it is late (nothing would be published on time)."""
from flask_babel import gettext, ngettext

from ..i18n import format_duration, format_when
from ..models import utcnow
from ..services import publisher


def publisher_notice(show_commands=False):
    """``{"late", "text", "hint"}`` for templates/_publisher_status.html."""
    now = utcnow()
    state = publisher.status(now)
    last = state["last_run_at"]
    parts = []
    if last is None:
        parts.append(gettext("Automatic publication is not running: no publication round has run yet."))
    elif state["late"]:
        parts.append(gettext("Automatic publication is late: its last round was %(ago)s ago (%(when)s).",
                             ago=format_duration(now - last), when=format_when(last)))
    else:
        parts.append(gettext("Automatic publication: last round %(when)s.", when=format_when(last)))
    if state["overdue"]:
        parts.append(ngettext("%(num)s scheduled item is past its time and not yet published.",
                              "%(num)s scheduled items are past their time and not yet published.",
                              state["overdue"]))
    hint = None
    if state["late"] and show_commands:
        hint = gettext("Start the server with “make run” (or RELAIS_SCHEDULER=1), or run "
                       "“flask --app wsgi relais publish-due” every minute from cron.")
    return {"late": state["late"], "text": " ".join(parts), "hint": hint}
