"""The board page of a working group: server-rendered columns, made live by static/js/board.js."""
from flask import current_app, render_template, request
from flask_login import current_user, login_required

from ..domain import states as st
from ..markdown import render as render_markdown  # noqa: F401  (used by the detail panel)
from ..models.items import RESOURCE_TYPES
from ..services import queries
from . import bp


@bp.get("/groups/<int:group_id>/board")
@login_required
def board(group_id):
    include_hidden = request.args.get("hidden") == "1"
    data = queries.board(current_user._get_current_object(), group_id, include_hidden=include_hidden,
                         published_days=current_app.config["PUBLISHED_BOARD_DAYS"])
    return render_template("board/board.html", board=data, group=data["group"], actor=data["actor"],
                           state_labels=st.STATE_LABELS, resource_types=RESOURCE_TYPES,
                           include_hidden=include_hidden)
