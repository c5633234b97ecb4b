"""OpenAPI paths of items' to-do lists (tasks) and columns' WIP limits (merged into openapi.py's table)."""
from ..schemas.tasks import ColumnLimitOut, TaskIn, TaskOut, TaskPatchIn, WipLimitIn

ITEM_ID = {"in": "path", "name": "item_id", "required": True, "schema": {"type": "integer"}}
TASK_ID = {"in": "path", "name": "task_id", "required": True, "schema": {"type": "integer"}}
GROUP_ID = {"in": "path", "name": "group_id", "required": True, "schema": {"type": "integer"}}
STATE = {"in": "path", "name": "state", "required": True, "schema": {"type": "string"},
         "description": "The column: a workflow state (proposed, in_review, approved, scheduled, published...)"}


def task_paths(ref, op):
    return {
        "/api/v1/items/{item_id}/tasks": {
            "get": op("listTasks", "An item's to-do list, in order", out=TaskOut, many=True, params=[ITEM_ID],
                      errors=(401, 404)),
            "post": op("addTask", "Add a task at the end of the list (text ≤ 500 characters; ≤ 100 tasks per "
                       "item; those who may edit the item)", body=TaskIn, out=TaskOut, status=201,
                       params=[ITEM_ID]),
        },
        "/api/v1/tasks/{task_id}": {
            "patch": op("updateTask", "Rename a task and/or tick it (done: who and when are recorded); "
                        "never sends an approved item back to review", body=TaskPatchIn, out=TaskOut,
                        params=[TASK_ID]),
            "delete": op("deleteTask", "Delete a task", status=204, params=[TASK_ID], errors=(401, 403, 404, 409)),
        },
        "/api/v1/groups/{group_id}/columns/{state}": {
            "patch": op("setColumnWipLimit", "Set (1–999) or remove (null) a column's WIP limit (leads, "
                        "coordinators, admins). Exceeding it is allowed: the column is marked, moves are not "
                        "refused", body=WipLimitIn, out=ColumnLimitOut, params=[GROUP_ID, STATE],
                        errors=(401, 403, 404, 422)),
        },
    }
