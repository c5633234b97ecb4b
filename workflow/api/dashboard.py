"""GET /api/v1/dashboard: the dashboard's tables as JSON (the same rows as the page and its CSVs)."""
from flask import jsonify

from ..web.dashboard import figures
from .blueprint import bp
from .common import caller


@bp.get("/dashboard")
def dashboard():
    data, tables, titles = figures(caller())
    return jsonify({
        "generated_at": data["now"].isoformat(),
        "since": data["since"].isoformat(),
        "groups": [{"id": g["id"], "name": g["name"]} for g in data["groups"]],
        "overdue_total": data["overdue_total"],
        "charts": {name: {"title": titles[name], "columns": header, "rows": rows}
                   for name, (header, rows) in tables.items()},
    })
