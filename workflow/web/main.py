"""The home page (the user's groups) and the health check."""
from flask import jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from ..extensions import db
from ..services import queries
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    groups = queries.groups_for(current_user._get_current_object())
    return render_template("main/index.html", groups=groups)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports, it does not crash
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status
