"""The board page of a working group: server-rendered columns, made live by
static/js/board.js (drag and drop, detail panel, Socket.IO events).

Everything the page's script needs to know about the rules (which moves this
person may make, which need a comment) is computed here from the domain and
handed over in a JSON block, so the rules stay written once, on the server."""
from flask import current_app, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user, login_required

from ..domain import permissions as perm
from ..domain import states as st
from ..domain.bulk import ACTIONS as BULK_ACTIONS, MAX_ITEMS
from ..domain.labels import DUE_DONE_STATES, DUE_SOON, PALETTE, due_status
from ..domain.events import BOARD_EVENT_TYPES, BOARD_HEAD
from ..i18n import STATE_NAMES, TYPE_NAMES, format_moment
from ..markdown import render as render_markdown
from ..models import utcnow
from ..models.items import RESOURCE_TYPES
from ..models.tasks import MAX_TASK_TEXT
from ..schemas.tasks import MAX_WIP_LIMIT
from ..services import queries
from ..services.attachments import mebibytes
from ..services.notifications import mention_directory
from .blueprint import bp

# Labels the pages show, translated when rendered (see workflow/i18n.py).
TYPE_LABELS = TYPE_NAMES
# What the board's title says of the reader's place: a sentence per role (a role's name
# dropped into one sentence read « Vous êtes coordination »).
ROLE_SENTENCES = {"agent": _l("You are an agent of this group"), "lead": _l("You lead this group"),
                  "coordinator": _l("You coordinate the network")}


def local_date(moment):
    """A date and time as the reader reads it: their language, their time zone."""
    return format_moment(moment)


def initials(name):
    """Two letters standing for a person on a card or in the presence list."""
    parts = [p for p in (name or "?").replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def script_names():
    """The names the pages' scripts compare values with, so that no script spells an event
    type or a state itself: ``{"events": {"ITEM_MOVED": "item.moved", …}, "states":
    {"IN_REVIEW": "in_review", …, "TRASH": "trash"}}`` (keys as the domain's constants)."""
    events = {name.upper().replace(".", "_"): name for name in (*BOARD_EVENT_TYPES, BOARD_HEAD)}
    states = {state.upper(): state for state in st.STATES}
    states["TRASH"] = st.TRASH_COLUMN
    return {"events": events, "states": states}


def _moves(actor):
    """For each state, the targets this actor may drag a card to, as author and
    as non-author: ``{state: {"author": {target: needs_comment}, "other": {...}}}``."""
    out = {}
    for state in st.STATES:
        out[state] = {}
        for key, is_author in (("author", True), ("other", False)):
            targets = {}
            for t in st.allowed_actions(state, actor, is_author):
                target = t.target or st.PUBLISHED
                targets.setdefault(target, t.needs_comment)
            out[state][key] = targets
    return out


@bp.get("/groups/<int:group_id>/board")
@login_required
def board(group_id):
    include_hidden = request.args.get("hidden") == "1"
    user = current_user._get_current_object()
    data = queries.board(user, group_id, include_hidden=include_hidden,
                         published_days=current_app.config["PUBLISHED_BOARD_DAYS"])
    actor = data["actor"]
    labels = sorted(data["labels"], key=lambda label: label.name.lower())
    now = utcnow()
    members = queries.group_members(group_id)
    column_labels = STATE_NAMES
    page = {
        "group_id": data["group"].id,
        "last_event_id": data["last_event_id"],
        "seq": data["seq"],
        "event_types": list(BOARD_EVENT_TYPES),
        **script_names(),
        "include_hidden": include_hidden,
        "published_days": current_app.config["PUBLISHED_BOARD_DAYS"],
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name},
        "is_lead": actor.is_lead,
        "can_edit": actor.is_member or actor.is_coordinator or actor.is_admin,
        # Trash and restore any card (else only one's own proposals: domain.permissions.require_trash).
        "can_trash_any": perm.is_allowed(actor, perm.DELETE_ITEM),
        "author_trashable_states": list(perm.AUTHOR_TRASHABLE_STATES),
        "max_bulk": MAX_ITEMS,
        "bulk_actions": {action.upper(): action for action in BULK_ACTIONS},
        "columns": [c["state"] for c in data["columns"]],
        "state_labels": column_labels,
        "type_labels": TYPE_LABELS,
        "editable_states": list(st.EDITABLE_STATES),
        "content_fields": list(st.CONTENT_FIELDS),
        "approval_covered_states": list(st.APPROVAL_COVERED_STATES),
        "moves": _moves(actor),
        "members": members,
        "required_approvals": max(1, data["group"].required_approvals or 1),
        "open_item": request.args.get("item", type=int),
        "labels": [{"id": label.id, "name": label.name, "color": label.color} for label in labels],
        "palette": [{"color": key, "name": gettext(name)} for key, (_bg, _fg, name) in PALETTE.items()],
        "can_manage_labels": perm.is_allowed(actor, perm.MANAGE_LABELS),
        "due_done_states": list(DUE_DONE_STATES),
        "due_soon_ms": int(DUE_SOON.total_seconds() * 1000),
        "max_attachment_bytes": current_app.config["MAX_ATTACHMENT_BYTES"],
        "max_attachment_mib": mebibytes(current_app.config["MAX_ATTACHMENT_BYTES"]),
        # WIP limits (static/js/board/wip.js) and the to-do list (panel/tasks.js).
        "can_set_wip_limits": perm.is_allowed(actor, perm.SET_WIP_LIMITS),
        "max_wip_limit": MAX_WIP_LIMIT,
        "max_task_text": MAX_TASK_TEXT,
    }
    # Cards repeat the same words a thousand times: translate them once per page,
    # not once per card (lazy strings and gettext calls dominated the render).
    card_text = {
        "comments": gettext("Comments"),
        "comm": gettext("comm."),
        "move": gettext("Move…"),
        "move_title": gettext("Move “%(title)s”"),
        "select_title": gettext("Select “%(title)s”"),
        "claimed": gettext("Claimed by %(name)s"),
        "changes_requested": gettext("Changes requested"),
        "claimed_title": gettext("This review is taken by %(name)s"),
        "names": {m["id"]: m["display_name"] for m in members},
        "someone": gettext("a lead"),
        "types": {key: str(label) for key, label in TYPE_LABELS.items()},
        "due": gettext("Due %(when)s"),
        "due_marks": {"overdue": gettext("Overdue"), "due_soon": gettext("Due soon")},
        "tasks": gettext("Tasks done: %(done)s of %(total)s"),
    }
    return render_template("board/board.html", board=data, group=data["group"], actor=actor,
                           card_text=card_text,
                           state_labels=column_labels, type_labels=TYPE_LABELS,
                           resource_types=RESOURCE_TYPES, include_hidden=include_hidden,
                           labels=labels, members=members, page=page,
                           local_date=local_date, initials=initials,
                           due_mark=lambda item: due_status(item.due_at, item.state, now),
                           role_label=ROLE_SENTENCES.get(actor.group_role)
                           or (ROLE_SENTENCES["coordinator"] if actor.sees_all_groups else ""))


@bp.get("/items/<int:item_id>/rendered")
@login_required
def rendered_item(item_id):
    """The item's Markdown body as safe HTML (sanitised server-side), for the detail panel."""
    item, _ = queries.item_detail(current_user._get_current_object(), item_id)
    mentions = mention_directory(item.group_id, [item.body])
    return jsonify({"id": item.id, "version": item.version, "body_html": str(render_markdown(item.body, mentions))})


@bp.post("/markdown/preview")
@login_required
def markdown_preview():
    """Render a draft's Markdown (never stored) so the panel can preview it safely."""
    data = request.get_json(silent=True) or {}
    text = data.get("text") if isinstance(data.get("text"), str) else ""
    text = text[:50000]
    # With the group of the item being written (one the reader may see), its members' @mentions link.
    group_id = data.get("group_id")
    mentions = None
    if isinstance(group_id, int) and not isinstance(group_id, bool) and 0 < group_id < 2**63:
        group, _ = queries.get_group(current_user._get_current_object(), group_id)
        mentions = mention_directory(group.id, [text])
    return jsonify({"html": str(render_markdown(text, mentions))})
