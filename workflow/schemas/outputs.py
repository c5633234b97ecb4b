"""Output schemas: the shape of every object as the API shows it."""
from marshmallow import Schema, fields

from ..domain.states import BOARD_COLUMNS
from ..markdown import render as render_markdown
from .attachments import cover_of


class UserBrief(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


class MemberOut(UserBrief):
    """An active member of a group, as the @mention picker offers them."""
    role = fields.String()


class ChannelBrief(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class ChannelOut(ChannelBrief):
    daily_capacity = fields.Integer()
    blackout_dates = fields.Method("_blackouts")

    # The channel's Atom feed URL: the door adds it, since it builds URLs.
    atom_url = fields.String(dump_only=True)

    def _blackouts(self, channel):
        return [b.day.isoformat() for b in channel.blackout_dates]


class LabelOut(Schema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String(metadata={"description": "A key of the palette (see /api/v1/groups/{id}/labels)"})


class ItemOut(Schema):
    id = fields.Integer()
    group_id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    resource_type = fields.String()
    resource_url = fields.String(allow_none=True)
    audience = fields.String()
    channel = fields.Nested(ChannelBrief, allow_none=True)
    labels = fields.List(fields.Nested(LabelOut))
    author = fields.Nested(UserBrief)
    assignees = fields.List(fields.Nested(UserBrief))
    state = fields.String()
    archived_from = fields.String(allow_none=True)
    rank = fields.String()
    scheduled_at = fields.DateTime(allow_none=True)
    # The slot kept while a scheduled item is back in review (pending on the calendar).
    held_slot_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    deleted = fields.Boolean()
    comment_count = fields.Integer()
    # Review: who claimed it (id only: no extra query per card), which round, since when.
    claimed_by_id = fields.Integer(allow_none=True)
    review_round = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    # A lead sent it back for changes and it was not submitted again since.
    changes_requested = fields.Boolean()
    licence_end = fields.Date(allow_none=True)
    # "À préparer pour le …" (ISO 8601 with its zone, or null).
    due_at = fields.DateTime(allow_none=True)
    # The image shown on the card: {id, thumbnail_url} or null (schemas/attachments.py).
    cover = fields.Function(lambda item: cover_of(item.cover_attachment_id), allow_none=True)
    # The to-do list's progress ("2/5" on the card): counters kept by services.tasks.
    tasks_done = fields.Integer()
    tasks_total = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


_item_out = ItemOut()


def dump_item(item):
    return _item_out.dump(item)


class GroupOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    role = fields.String(allow_none=True)
    wip_limits = fields.Dict()


class ColumnOut(Schema):
    state = fields.String()
    count = fields.Integer()
    wip_limit = fields.Integer(allow_none=True)
    over_limit = fields.Boolean()
    items = fields.List(fields.Nested(ItemOut))


class BoardOut(Schema):
    group = fields.Nested(GroupOut)
    columns = fields.List(fields.Nested(ColumnOut))
    last_event_id = fields.Integer()
    seq = fields.Integer()


def _board_item_dumper():
    """ItemOut as a plain function, for the board's 1,000 cards: marshmallow's
    per-field machinery cost more than the query. Plain and time fields are read
    from ItemOut itself; tests compare the two dumps field by field."""
    nested = {"channel", "labels", "author", "assignees", "cover"}
    times = [n for n, f in ItemOut._declared_fields.items() if isinstance(f, fields.DateTime)]
    plain = [n for n in ItemOut._declared_fields if n not in nested and n not in times]

    def dump(card, people=None):
        # Cards share person records; within one dump, so do their dicts.
        people = {} if people is None else people

        def person(p):
            if p not in people:
                people[p] = {"id": p.id, "username": p.username, "display_name": p.display_name}
            return people[p]

        def label_dict(label):
            key = ("label", label.id)
            if key not in people:
                people[key] = {"id": label.id, "name": label.name, "color": label.color}
            return people[key]

        out = {n: getattr(card, n) for n in plain}
        for n in times:
            value = getattr(card, n)
            out[n] = value.isoformat() if value is not None else None
        channel = card.channel
        out["channel"] = {"id": channel.id, "slug": channel.slug, "name": channel.name} if channel else None
        out["labels"] = [label_dict(label) for label in card.labels]
        out["author"] = person(card.author)
        out["assignees"] = [person(p) for p in card.assignees]
        out["cover"] = cover_of(card.cover_attachment_id)
        return out

    return dump


dump_board_item = _board_item_dumper()


def dump_board(data):
    """A board (queries.board) as BoardOut shows it, cards dumped by dump_board_item."""
    people = {}
    return {"group": GroupOut().dump(data["group"]),
            "columns": [{"state": c["state"], "count": c["count"], "wip_limit": c["wip_limit"],
                         "over_limit": c["over_limit"], "items": [dump_board_item(i, people) for i in c["items"]]}
                        for c in data["columns"]],
            "last_event_id": data["last_event_id"], "seq": data["seq"]}


class CommentOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    author = fields.Nested(UserBrief)
    body = fields.String()
    # The Markdown body as safe HTML (nh3: no script, no handlers, no javascript: links);
    # dumped by dump_comments, where an @mention of a member of the item's group links to them.
    body_html = fields.Function(lambda c: str(render_markdown(c.body)))
    created_at = fields.DateTime()


_comments_out = CommentOut(many=True, exclude=("body_html",))


def dump_comments(comments, mentions=None):
    """Comments as CommentOut shows them, each @mention of ``mentions`` (lower-cased
    username → {"username", "display_name"}: services.notifications.mention_directory)
    a link to the person in ``body_html``."""
    out = _comments_out.dump(comments)
    for data, comment in zip(out, comments, strict=True):
        data["body_html"] = str(render_markdown(comment.body, mentions))
    return out


class ReviewOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    reviewer = fields.Nested(UserBrief)
    decision = fields.String()
    comment = fields.String()
    item_version = fields.Integer()
    round = fields.Integer()
    checklist = fields.List(fields.String())
    created_at = fields.DateTime()


class EventOut(Schema):
    id = fields.Integer()
    seq = fields.Integer(allow_none=True)
    type = fields.String()
    group_id = fields.Integer(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    actor = fields.Nested(UserBrief, allow_none=True)
    payload = fields.Dict()
    created_at = fields.DateTime()


def dump_events(events):
    """Events as EventOut(many=True) shows them, as a plain function: the event log
    answers up to a page of 200 (tests compare the two dumps)."""
    people = {}
    out = []
    for event in events:
        actor = event.actor
        if actor is not None and actor.id not in people:
            people[actor.id] = {"id": actor.id, "username": actor.username, "display_name": actor.display_name}
        payload, created = event.payload, event.created_at
        out.append({"id": event.id, "seq": event.seq, "type": event.type, "group_id": event.group_id,
                    "item_id": event.item_id, "actor": people[actor.id] if actor is not None else None,
                    "payload": dict(payload) if payload is not None else None,
                    "created_at": created.isoformat() if created is not None else None})
    return out


class MembershipOut(Schema):
    group_id = fields.Integer()
    group_name = fields.String(attribute="group.name")
    role = fields.String()


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String()
    locale = fields.String()
    timezone = fields.String()
    library = fields.String(attribute="library.name", allow_none=True)
    is_coordinator = fields.Boolean()
    is_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipOut))
    # The personal iCalendar feed URL (a secret): the door adds it, since it builds URLs.
    ical_url = fields.String(dump_only=True)


assert BOARD_COLUMNS
