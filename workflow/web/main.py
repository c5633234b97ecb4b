"""The home page ("Mon travail", then the user's groups) and the health check."""
from flask import jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text

from ..domain import events as ev
from ..extensions import db
from ..i18n import STATE_NAMES
from ..schemas.my_work import dump_work
from ..services import my_work, queries
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    """"Mon travail": its sections as GET /api/v1/me/work gives them (static/js/work.js draws
    them and fetches them again on ``work.changed``), then the user's groups."""
    user = current_user._get_current_object()
    page = {"work": dump_work(my_work.my_work(user)), "sections": list(my_work.SECTIONS),
            "events": {"WORK_CHANGED": ev.WORK_CHANGED},
            "state_labels": {state: str(name) for state, name in STATE_NAMES.items()}}
    return render_template("main/index.html", groups=queries.groups_for(user), page=page)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the health check reports, it does not crash
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status
