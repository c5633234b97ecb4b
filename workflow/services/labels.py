"""A group's labels: list, create (any member, also by typing a new name on an item),
rename, recolour and delete (leads). Each change is one event on the group's board
(``label.created``, ``label.updated``, ``label.deleted``) carrying the label as the
API shows it, so every open board recolours or drops it live; the cards that carry
it keep their versions (a label's look is not an edit of the item)."""
from sqlalchemy import delete, select

from ..domain import permissions as perm
from ..domain.errors import N_, Conflict, Invalid, NotFound, Text
from ..domain.events import LABEL_CREATED, LABEL_DELETED, LABEL_UPDATED
from ..domain.labels import first_free_color
from ..extensions import db
from ..models import Group, Label, item_labels
from .common import actor_for, require_user
from .unit_of_work import unit_of_work


def label_out(label):
    return {"id": label.id, "name": label.name, "color": label.color}


def _group(user, group_id):
    require_user(user)
    group = db.session.get(Group, group_id) if 0 < group_id < 2**63 else None
    actor = actor_for(user, group.id) if group is not None else None
    if group is None or not actor.can_see_group():
        raise NotFound(N_("No group %(id)s."), params={"id": group_id})
    return group, actor


def _label(user, label_id):
    require_user(user)
    label = db.session.get(Label, label_id) if 0 < label_id < 2**63 else None
    actor = actor_for(user, label.group_id) if label is not None else None
    if label is None or not actor.can_see_group():
        raise NotFound(N_("No label %(id)s."), params={"id": label_id})
    return label, actor


def _colors_in_use(group_id):
    return list(db.session.scalars(select(Label.color).where(Label.group_id == group_id).order_by(Label.id)))


def _name_taken(group_id, name, except_id=None):
    q = select(Label.id).where(Label.group_id == group_id, Label.name == name)
    if except_id is not None:
        q = q.where(Label.id != except_id)
    if db.session.scalar(q) is not None:
        raise Conflict(N_("The group already has a label named “%(name)s”."), params={"name": name})


def list_labels(user, group_id):
    """The group's labels by name. Raises NotFound (group invisible)."""
    group, _ = _group(user, group_id)
    return list(db.session.scalars(select(Label).where(Label.group_id == group.id).order_by(Label.name, Label.id)))


def create_label(user, group_id, name, color=None):
    """A new label of the group (any member), of ``color`` or the palette's first free
    colour. Raises NotFound, Forbidden, Invalid (empty name), Conflict (name taken)."""
    group, actor = _group(user, group_id)
    perm.require(actor, perm.CREATE_LABEL)
    name = _clean(name)
    _name_taken(group.id, name)
    with unit_of_work() as uow:
        label = Label(group_id=group.id, name=name, color=color or first_free_color(_colors_in_use(group.id)))
        db.session.add(label)
        db.session.flush()
        uow.record(LABEL_CREATED, actor_user=user, group_id=group.id, payload={"label": label_out(label)})
    return label


def update_label(user, label_id, changes):
    """Rename and/or recolour a label (leads of its group, coordinators, admins).
    Raises NotFound, Forbidden, Invalid, Conflict (name taken)."""
    label, actor = _label(user, label_id)
    perm.require(actor, perm.MANAGE_LABELS)
    name = _clean(changes["name"]) if "name" in changes else label.name
    color = changes.get("color") or label.color
    if name == label.name and color == label.color:
        return label
    _name_taken(label.group_id, name, except_id=label.id)
    with unit_of_work() as uow:
        before = label_out(label)
        label.name, label.color = name, color
        db.session.flush()
        uow.record(LABEL_UPDATED, actor_user=user, group_id=label.group_id,
                   payload={"label": label_out(label), "before": before})
    return label


def delete_label(user, label_id):
    """Delete a label; the cards carrying it lose it (leads, coordinators, admins).
    Raises NotFound, Forbidden."""
    label, actor = _label(user, label_id)
    perm.require(actor, perm.MANAGE_LABELS)
    out, group_id = label_out(label), label.group_id
    with unit_of_work() as uow:
        db.session.execute(delete(item_labels).where(item_labels.c.label_id == label.id))
        db.session.delete(label)
        uow.record(LABEL_DELETED, actor_user=user, group_id=group_id,
                   payload={"label": out, "deleted": True})
    return out


def _clean(name):
    name = (name or "").strip()
    if not name:
        raise Invalid(N_("A label needs a name."), errors={"name": [N_("Must not be empty.")]})
    return name


def resolve_labels(actor, group_id, refs):
    """The labels ``refs`` names — ids or names, as the item API takes them — of the
    group, in the order given; a new name creates the label with the palette's first
    free colour (members may: CREATE_LABEL). To be called inside the item's unit of work.
    Raises Invalid (an id of no label of this group), Forbidden."""
    ids = list(dict.fromkeys(r for r in refs if isinstance(r, int)))
    names = list(dict.fromkeys(r.strip() for r in refs if isinstance(r, str) and r.strip()))
    if not ids and not names:
        return []
    found = {}
    if ids:
        found.update({("id", lb.id): lb for lb in db.session.scalars(
            select(Label).where(Label.group_id == group_id, Label.id.in_(ids)))})
        missing = [i for i in ids if ("id", i) not in found]
        if missing:
            raise Invalid(N_("No label %(ids)s in this group."), params={"ids": ", ".join(map(str, missing))},
                          errors={"labels": [Text(N_("Unknown label ids: %(ids)s."),
                                                  {"ids": ", ".join(map(str, missing))})]})
    if names:
        found.update({("name", lb.name): lb for lb in db.session.scalars(
            select(Label).where(Label.group_id == group_id, Label.name.in_(names)))})
    new = [n for n in names if ("name", n) not in found]
    if new:
        perm.require(actor, perm.CREATE_LABEL)
        used = _colors_in_use(group_id)
        for name in new:
            label = Label(group_id=group_id, name=name, color=first_free_color(used))
            used.append(label.color)
            db.session.add(label)
            found[("name", name)] = label
    out = []
    for ref in refs:
        key = ("id", ref) if isinstance(ref, int) else ("name", ref.strip())
        label = found.get(key)
        if label is not None and label not in out:
            out.append(label)
    return sorted(out, key=lambda lb: lb.name)
