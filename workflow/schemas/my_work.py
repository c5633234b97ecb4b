""""Mon travail" as the API shows it: each section's count and entries, every entry
with its item (``ItemOut``), its group and the link that opens the item's panel on
its board. The keys keep ``services.my_work.SECTIONS``' order."""
from datetime import date, datetime

from .outputs import dump_item


def item_link(group_id, item_id):
    """The board of the item's group, its panel open (static/js/board/linked-item.js)."""
    return f"/groups/{group_id}/board?item={item_id}"


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def dump_entry(entry):
    item, group = entry["item"], entry["group"]
    extra = {k: _plain(v) for k, v in entry.items() if k not in ("item", "group")}
    return {"item": dump_item(item), "group": {"id": group.id, "name": group.name},
            "url": item_link(group.id, item.id), **extra}


def dump_work(work):
    """``services.my_work.my_work``'s result as plain JSON data, sections in order."""
    return {key: {"count": section["count"], "entries": [dump_entry(e) for e in section["entries"]]}
            for key, section in work.items()}
