"""Output schemas: the shape of every object as the API shows it."""
from marshmallow import Schema, fields

from ..domain.states import BOARD_COLUMNS
from ..markdown import render as render_markdown


class UserBrief(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()


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
    labels = fields.Method("_labels")
    author = fields.Nested(UserBrief)
    assignees = fields.List(fields.Nested(UserBrief))
    state = fields.String()
    archived_from = fields.String(allow_none=True)
    rank = fields.String()
    scheduled_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    deleted = fields.Boolean()
    comment_count = fields.Integer()
    # Review: who claimed it (id only: no extra query per card), which round, since when.
    claimed_by_id = fields.Integer(allow_none=True)
    review_round = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    licence_end = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _labels(self, item):
        return [label.name for label in item.labels]


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
    nested = {"channel", "labels", "author", "assignees"}
    times = [n for n, f in ItemOut._declared_fields.items() if isinstance(f, fields.DateTime)]
    plain = [n for n in ItemOut._declared_fields if n not in nested and n not in times]

    def dump(card, people=None):
        # Cards share person records; within one dump, so do their dicts.
        people = {} if people is None else people

        def person(p):
            if p not in people:
                people[p] = {"id": p.id, "username": p.username, "display_name": p.display_name}
            return people[p]

        out = {n: getattr(card, n) for n in plain}
        for n in times:
            value = getattr(card, n)
            out[n] = value.isoformat() if value is not None else None
        channel = card.channel
        out["channel"] = {"id": channel.id, "slug": channel.slug, "name": channel.name} if channel else None
        out["labels"] = [label.name for label in card.labels]
        out["author"] = person(card.author)
        out["assignees"] = [person(p) for p in card.assignees]
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
    # The Markdown body as safe HTML (nh3: no script, no handlers, no javascript: links).
    body_html = fields.Function(lambda c: str(render_markdown(c.body)))
    created_at = fields.DateTime()


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
