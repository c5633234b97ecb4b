"""An item's to-do list (tasks): list, add, rename, tick/untick, delete.

Who may do what: those who may see the item list its tasks (others get NotFound, as
for the item); those who may edit it (``EDIT_ITEM``, on an item that is not in the
trash and still editable) change them. Each change is one unit of work with one event
(``task.created``/``task.updated``/``task.deleted``) carrying the task and the item
with its new progress, so every open board and panel follows it.

Tasks are not content: a change never sends an approved or scheduled item back to
review, and it does not give the item a new version (the counters ``tasks_done`` and
``tasks_total`` are set in SQL, as ``comment_count`` is), so a form being written in
the panel does not go stale because someone ticked a box.
"""
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from ..domain.errors import N_, Conflict, NotFound
from ..domain.events import TASK_CREATED, TASK_DELETED, TASK_UPDATED
from ..extensions import db
from ..models import Item, Task, utcnow
from ..models.tasks import MAX_TASKS_PER_ITEM
from ..schemas.outputs import dump_item
from ..schemas.tasks import dump_task
from .common import load_editable_item, load_item
from .unit_of_work import unit_of_work


def _task(user, task_id):
    """The task and its item, locked for the change. Raises NotFound (unknown, or of an
    item the user cannot see), Forbidden, Conflict."""
    task = db.session.get(Task, task_id) if 0 < task_id < 2**63 else None
    if task is None:
        raise NotFound(N_("No task %(id)s."), params={"id": task_id})
    try:
        item = load_editable_item(user, task.item_id)
    except NotFound:  # another group's task does not exist for this user
        raise NotFound(N_("No task %(id)s."), params={"id": task_id}) from None
    db.session.refresh(task)
    return task, item


def _count(item):
    """Set the item's counters from its tasks (in SQL: no new version) and return them."""
    done, total = db.session.execute(
        select(func.coalesce(func.sum(case((Task.done.is_(True), 1), else_=0)), 0), func.count(Task.id))
        .where(Task.item_id == item.id)).one()
    db.session.execute(update(Item).where(Item.id == item.id).values(tasks_done=done, tasks_total=total)
                       .execution_options(synchronize_session=False))
    db.session.refresh(item, ["tasks_done", "tasks_total"])
    return {"tasks_done": done, "tasks_total": total}


def _record(uow, type_, user, item, **payload):
    progress = _count(item)
    uow.record(type_, actor_user=user, group_id=item.group_id, item=item,
               payload={**payload, **progress, "item": dump_item(item)})


def list_tasks(user, item_id):
    """The item's tasks in their order. Raises NotFound."""
    item, _ = load_item(user, item_id)
    return list(db.session.scalars(
        select(Task).where(Task.item_id == item.id).options(joinedload(Task.done_by))
        .order_by(Task.position, Task.id)))


def add_task(user, item_id, text):
    """Add a task at the end of the item's list. Raises NotFound, Forbidden, Conflict
    (trashed or closed item, or already ``MAX_TASKS_PER_ITEM`` tasks)."""
    item = load_editable_item(user, item_id)
    count, last = db.session.execute(
        select(func.count(Task.id), func.max(Task.position)).where(Task.item_id == item.id)).one()
    if count >= MAX_TASKS_PER_ITEM:
        raise Conflict(N_("This item already has %(limit)s tasks, the most a list may hold."),
                       params={"limit": MAX_TASKS_PER_ITEM})
    with unit_of_work() as uow:
        task = Task(item_id=item.id, text=text.strip(), position=(last or 0) + 1, done=False,
                    created_by_id=user.id, created_at=utcnow())
        db.session.add(task)
        db.session.flush()
        _record(uow, TASK_CREATED, user, item, task=dump_task(task))
    return task


def update_task(user, task_id, changes):
    """Rename (``text``) and/or tick or untick (``done``) a task; ticking records who and
    when. Raises NotFound, Forbidden, Conflict."""
    task, item = _task(user, task_id)
    with unit_of_work() as uow:
        changed = {}
        if "text" in changes and changes["text"].strip() != task.text:
            changed["text"] = {"from": task.text, "to": changes["text"].strip()}
            task.text = changes["text"].strip()
        if "done" in changes and changes["done"] != task.done:
            changed["done"] = {"from": task.done, "to": changes["done"]}
            task.done = changes["done"]
            task.done_by_id = user.id if task.done else None
            task.done_at = utcnow() if task.done else None
        if not changed:
            return task
        db.session.flush()
        db.session.refresh(task, ["done_by"])
        _record(uow, TASK_UPDATED, user, item, task=dump_task(task), changes=changed)
    return task


def delete_task(user, task_id):
    """Delete a task. Raises NotFound, Forbidden, Conflict."""
    task, item = _task(user, task_id)
    with unit_of_work() as uow:
        text = task.text
        db.session.delete(task)
        db.session.flush()
        _record(uow, TASK_DELETED, user, item, task_id=task_id, text=text)

