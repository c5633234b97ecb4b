"""The full search results page (/search?q=): what the header's box opens on Enter
without a chosen result. The same service and parameters as GET /api/v1/search."""
from flask import abort, render_template, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from ..i18n import STATE_NAMES
from ..schemas.search import SearchQueryIn
from ..services import search as search_service
from .blueprint import bp

PAGE_SIZE = 50


def state_label(item):
    """The column an item is in, in the reader's language (the trash for a trashed one)."""
    return str(STATE_NAMES["trash" if item.deleted else item.state])


@bp.get("/search")
@login_required
def search_page():
    try:
        args = SearchQueryIn().load(request.args.to_dict())
    except ValidationError:
        abort(400)
    include_hidden = args["include_hidden"] in ("1", "true", "yes")
    hits, total = search_service.search(current_user._get_current_object(), args["q"], group_id=args["group"],
                                        state=args["state"], limit=PAGE_SIZE, offset=args["offset"],
                                        include_hidden=include_hidden)
    offset = args["offset"]
    pages = {"previous": max(0, offset - PAGE_SIZE) if offset else None,
             "next": offset + PAGE_SIZE if offset + PAGE_SIZE < total else None}
    return render_template("search/results.html", q=args["q"], hits=hits, total=total, pages=pages,
                           include_hidden=include_hidden, state_label=state_label)
