"""An item's to-do list (tasks): a thin door onto services.tasks."""
from flask import jsonify

from ..schemas.tasks import TaskIn, TaskOut, TaskPatchIn
from ..services import tasks as service
from .blueprint import bp
from .common import caller, json_body

_out = TaskOut()


@bp.get("/items/<int:item_id>/tasks")
def list_tasks(item_id):
    return jsonify(_out.dump(service.list_tasks(caller(), item_id), many=True))


@bp.post("/items/<int:item_id>/tasks")
def add_task(item_id):
    user = caller()
    data = TaskIn().load(json_body())
    return jsonify(_out.dump(service.add_task(user, item_id, data["text"]))), 201


@bp.patch("/tasks/<int:task_id>")
def update_task(task_id):
    user = caller()
    data = TaskPatchIn().load(json_body())
    return jsonify(_out.dump(service.update_task(user, task_id, data)))


@bp.delete("/tasks/<int:task_id>")
def delete_task(task_id):
    service.delete_task(caller(), task_id)
    return "", 204

