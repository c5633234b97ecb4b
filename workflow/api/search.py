"""Search across the groups the caller may see (services.search)."""
from flask import jsonify, request
from flask_babel import gettext
from marshmallow import ValidationError

from ..i18n import STATE_NAMES, translate_title
from ..schemas.search import SearchOut, SearchQueryIn
from ..services import search as search_service
from .blueprint import bp
from .common import caller
from .errors import problem, translate_schema_messages

_search_out = SearchOut()


@bp.get("/search")
def search():
    """Items matching ``q``, best first, with a highlighted passage; empty ``q``: no results.
    A parameter that cannot be read is a 400 naming it (``errors``), in the reader's language."""
    user = caller()
    try:
        args = SearchQueryIn().load(request.args.to_dict())
    except ValidationError as exc:
        return problem(400, translate_title("Bad request"),
                       gettext("Bad search parameter: %(names)s.", names=", ".join(sorted(exc.messages))),
                       errors=translate_schema_messages(exc.messages))
    hits, total = search_service.search(
        user, args["q"], group_id=args["group"], state=args["state"], limit=args["limit"],
        offset=args["offset"], include_hidden=args["include_hidden"] in ("1", "true", "yes"))
    for hit in hits:
        hit.state_label = str(STATE_NAMES["trash" if hit.item.deleted else hit.item.state])
    return jsonify(_search_out.dump({"results": hits, "total": total}))
