"""Error pages for the browser: the same domain errors, rendered as HTML."""
from flask import render_template


def render_domain_error(exc):
    return render_template("errors/error.html", status=exc.status, title=exc.title, detail=exc.detail), exc.status


def render_http_error(exc):
    code = getattr(exc, "code", 500) or 500
    return render_template("errors/error.html", status=code, title=exc.name, detail=exc.description), code
