"""OpenAPI paths of a group's members (merged into openapi.py's table)."""
from ..schemas import outputs as so


def member_paths(ref, op):
    group_id = {"in": "path", "name": "group_id", "required": True, "schema": {"type": "integer"}}
    return {
        "/api/v1/groups/{group_id}/members": {"get": op(
            "listGroupMembers", "The group's active members whose username or a word of whose display name "
            "starts with q (case and accents ignored), by display name: the @mention picker's list",
            out=so.MemberOut, many=True,
            params=[group_id, {"in": "query", "name": "q", "schema": {"type": "string", "maxLength": 40}},
                    {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}],
            errors=(401, 404, 422),
            description="Only for people who may see the group (404 otherwise, as for a group that does not "
                        "exist); inactive accounts are never listed.")},
    }
