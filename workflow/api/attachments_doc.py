"""OpenAPI paths of attachments (merged into openapi.py's table)."""
from ..schemas.attachments import AttachmentOut

ATTACHMENT_ID = {"in": "path", "name": "attachment_id", "required": True, "schema": {"type": "integer"}}
ITEM_ID = {"in": "path", "name": "item_id", "required": True, "schema": {"type": "integer"}}


def _problems(*codes):
    return {str(code): {"description": "Problem", "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}} for code in codes}


def attachment_paths(ref, op):
    upload = op("uploadAttachment", "Attach a file (multipart/form-data, field `file`; at most MAX_ATTACHMENT_BYTES, 25 MiB by "
                "default). The type is found from the content: images, PDF, audio/video, office documents, "
                "plain text. The first image of an item without a cover becomes its cover.",
                out=AttachmentOut, status=201, params=[ITEM_ID], errors=(401, 403, 404, 409, 413, 415, 422, 503))
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    fetch = {
        "operationId": "getAttachment",
        "tags": ["attachments"],
        "summary": "The file (inline for PNG, JPEG, GIF and WebP, a download for every other type); "
                   "`?thumbnail=1` its preview, `?thumbnail=cover` its cover crop (JPEG, images only)",
        "parameters": [ATTACHMENT_ID, {"in": "query", "name": "thumbnail", "required": False,
                                       "schema": {"type": "string", "enum": ["1", "cover"]}}],
        "responses": {"200": {"description": "The file", "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}}, **_problems(401, 404)},
        "security": [{"bearer": []}, {"session": []}],
    }
    return {
        "/api/v1/items/{item_id}/attachments": {
            "get": op("listAttachments", "An item's attachments, oldest first", out=AttachmentOut, many=True, params=[ITEM_ID],
                      errors=(401, 404)),
            "post": upload,
        },
        "/api/v1/attachments/{attachment_id}": {
            "get": fetch,
            "delete": op("deleteAttachment", "Delete an attachment and its files (its uploader, a lead, a coordinator)",
                         status=204, params=[ATTACHMENT_ID], errors=(401, 403, 404)),
        },
    }
