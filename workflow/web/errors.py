"""Error pages for the browser: the same domain errors, rendered as HTML."""
from flask import render_template

from ..i18n import translate_error, translate_title


def render_domain_error(exc):
    return render_template("errors/error.html", status=exc.status, title=translate_title(exc.title),
                           detail=translate_error(exc)), exc.status


def render_http_error(exc):
    code = getattr(exc, "code", 500) or 500
    return render_template("errors/error.html", status=code, title=translate_title(exc.name),
                           detail=translate_title(exc.description)), code
