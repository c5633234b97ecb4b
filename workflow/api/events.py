"""The event feed: what happened since a given event id, for catching up."""
from flask import jsonify, request

from ..schemas import EventsQueryIn
from ..schemas.outputs import dump_events
from ..services import queries
from .blueprint import bp
from .common import caller, read_only


@bp.get("/events")
@read_only
def list_events():
    user = caller()
    args = EventsQueryIn().load(request.args.to_dict())
    if args["since_seq"] is not None:
        if args["group"] is None:
            from ..domain.errors import N_, Invalid

            raise Invalid(N_("since_seq pages one board's log: give its group too."),
                          errors={"group": [N_("Required with since_seq.")]})
        events, more, head = queries.board_events_since(user, args["group"], args["since_seq"], args["limit"])
        last = events[-1].id if events else args["since"]
        return jsonify({"events": dump_events(events), "last_event_id": last, "has_more": more,
                        "seq": head})
    events, more = queries.events_since(user, args["since"], args["group"], args["limit"])
    last = events[-1].id if events else args["since"]
    return jsonify({"events": dump_events(events), "last_event_id": last, "has_more": more})
