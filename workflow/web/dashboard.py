"""The coordinators' dashboard page and its CSV exports. The figures come from
services/dashboard.py; the charts are drawn by static/js/dashboard.js (Chart.js)
from a JSON block, and every chart also has its table on the page and a CSV."""
import csv
import io

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from ..domain import states as st
from ..i18n import STATE_NAMES, translate_text
from ..services import dashboard as service
from .blueprint import bp
from .board import TYPE_LABELS, local_date


def page_words():
    """The tables' ``words`` and the charts' ``titles`` (services/dashboard.py's msgids),
    translated for this request's reader."""
    def translated(value):
        return [translate_text(v) for v in value] if isinstance(value, list) else translate_text(value)

    return ({name: translated(value) for name, value in service.WORDS.items()},
            {name: translate_text(title) for name, title in service.TITLES.items()})


def figures(user):
    """(data, tables, titles) for ``user``. Raises Forbidden for agents."""
    data = service.dashboard(user)
    words, titles = page_words()
    return data, service.tables(data, words, STATE_NAMES, TYPE_LABELS), titles


def chart_data(data):
    """What dashboard.js draws, as plain JSON."""
    groups = {g["id"]: g for g in data["groups"]}
    return {
        "states": list(st.STATES),
        # The cumulative flow's stacking, bottom (published) to top (proposed).
        "flow_states": list(reversed(st.BOARD_COLUMNS)),
        "state_labels": STATE_NAMES,
        "groups": [{"id": g["id"], "name": g["name"], "color": g["color"]} for g in data["groups"]],
        "state_counts": {str(gid): [c[s] for s in st.STATES] for gid, c in data["states"].items()},
        "weeks": [d.isoformat() for d in data["weekly"]["weeks"]],
        "by_channel": [{"label": data["channels"].get(cid, "—") if cid else "—", "values": v}
                       for cid, v in data["weekly"]["by_channel"].items()],
        "by_type": [{"label": TYPE_LABELS.get(t, t), "values": v} for t, v in data["weekly"]["by_type"].items()],
        "flow_days": [d.isoformat() for d in data["flow"]["days"]],
        "flow": [{"group_id": gid, "name": groups[gid]["name"], "series": series}
                 for gid, series in data["flow"]["groups"].items()],
    }


@bp.get("/dashboard")
@login_required
def dashboard_page():
    data, tables, titles = figures(current_user._get_current_object())
    return render_template("dashboard/dashboard.html", data=data, tables=tables, titles=titles,
                           charts=chart_data(data), local_date=local_date, type_labels=TYPE_LABELS)


def csv_response(header, rows, name):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(buffer, delimiter=";")  # French spreadsheets expect semicolons
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _safe_cell(v) for v in row])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="relais-{name}.csv"'})


def _safe_cell(value):
    """Titles are user text: a leading = + - @ would run as a spreadsheet formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/dashboard/<chart>.csv")
@login_required
def dashboard_csv(chart):
    if chart not in service.CHARTS:
        abort(404)
    _, tables, _ = figures(current_user._get_current_object())
    header, rows = tables[chart]
    return csv_response(header, rows, chart)
