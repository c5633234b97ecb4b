"""Error pages for the browser: the same domain errors, rendered as HTML."""
from flask import render_template
from flask_babel import gettext as _

from ..i18n import http_error_text, translate_error, translate_title


def render_domain_error(exc):
    return render_template("errors/error.html", status=exc.status, title=translate_title(exc.title),
                           detail=translate_error(exc)), exc.status


def render_http_error(exc):
    """An HTTP error (404, 405, 500...) as a page in the reader's language."""
    code, title, detail = http_error_text(exc)
    return render_template("errors/error.html", status=code, title=title, detail=detail), code


def render_csrf_error(exc):
    """A form sent with a missing or stale CSRF token: say what to do, in the reader's language."""
    return render_template("errors/error.html", status=400, title=_("Form expired"),
                           detail=_("This form was open for too long, or was sent from another site: reload the "
                                    "page and send it again.")), 400
