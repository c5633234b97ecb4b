"""OpenAPI path of the coordinators' dashboard."""

CHART = {"type": "object", "properties": {
    "title": {"type": "string"},
    "columns": {"type": "array", "items": {"type": "string"}},
    "rows": {"type": "array", "items": {"type": "array", "items": {}}},
}}
DASHBOARD = {"type": "object", "properties": {
    "generated_at": {"type": "string", "format": "date-time"},
    "since": {"type": "string", "format": "date-time"},
    "groups": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}}}},
    "overdue_total": {"type": "integer"},
    "charts": {"type": "object", "description": "states, publications-by-channel, publications-by-type, "
               "lead-times, flow, overdue, upcoming", "additionalProperties": CHART},
}}


def dashboard_paths(ref, op):
    return {
        "/api/v1/dashboard": {"get": op(
            "getDashboard",
            "The dashboard's figures as tables (coordinators and admins: every group; leads: their groups)",
            out=DASHBOARD, errors=(401, 403))},
    }
