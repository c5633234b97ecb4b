"""Attachments: upload (multipart, field ``file``), list, fetch, delete.

Only the upload route takes a body over ``MAX_CONTENT_LENGTH``: ``UploadRequest`` gives
it ``MAX_ATTACHMENT_BYTES`` (plus the multipart envelope), so the request limit stays
small everywhere else, and a body over it is a 413 problem naming the limit, whether it
is found from Content-Length or while the body streams in.

Files are served with ``Content-Disposition`` (inline only for PNG, JPEG, GIF and WebP;
every other type, HTML and SVG included, is a download — and the type is the one found
from the content at upload), ``X-Content-Type-Options: nosniff``, a sandboxing CSP and
``Cache-Control: private``."""
from urllib.parse import quote

from flask import Request, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from ..domain.errors import N_, Invalid
from ..schemas.attachments import AttachmentOut
from ..services import attachments as service
from .blueprint import bp
from .common import caller

UPLOAD_ENDPOINT = "api.upload_attachment"
# Room for the multipart envelope around the file (boundaries, part headers).
ENVELOPE = 64 * 1024
INLINE_TYPES = set(service.IMAGES)

_out = AttachmentOut()


class UploadRequest(Request):
    """The app's request: the upload route's body may be as large as an attachment."""

    @property
    def max_content_length(self):
        if self.endpoint == UPLOAD_ENDPOINT and current_app:
            return current_app.config["MAX_ATTACHMENT_BYTES"] + ENVELOPE
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value):
        Request.max_content_length.fset(self, value)

    def _load_form_data(self):
        try:
            super()._load_form_data()
        except RequestEntityTooLarge:
            if self.endpoint == UPLOAD_ENDPOINT:  # whoever reads the form first (the CSRF check...)
                raise service.too_large(current_app.config["MAX_ATTACHMENT_BYTES"]) from None
            raise


def init_app(app):
    app.request_class = UploadRequest


@bp.post("/items/<int:item_id>/attachments")
def upload_attachment(item_id):
    user = caller()
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    if (request.content_length or 0) > limit + ENVELOPE:
        raise service.too_large(limit)
    if request.mimetype != "multipart/form-data":
        raise Invalid(N_("Send the file as multipart/form-data in the field 'file'."),
                      errors={"file": [N_("Missing file.")]})
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(N_("Send the file as multipart/form-data in the field 'file'."),
                      errors={"file": [N_("Missing file.")]})
    data = upload.stream.read(limit + 1)
    attachment = service.upload_attachment(user, item_id, upload.filename, data, limit)
    return jsonify(_out.dump(attachment)), 201


@bp.get("/items/<int:item_id>/attachments")
def list_attachments(item_id):
    return jsonify(_out.dump(service.list_attachments(caller(), item_id), many=True))


def content_disposition(kind, filename):
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@bp.get("/attachments/<int:attachment_id>")
def get_attachment(attachment_id):
    variant = {"1": "thumbnail", "cover": "cover"}.get(request.args.get("thumbnail", ""))
    attachment, mime, stream, size = service.open_attachment(caller(), attachment_id, variant)
    response = current_app.response_class(wrap_file(request.environ, stream), direct_passthrough=True)
    response.content_length = size
    response.content_type = f"{mime}; charset=utf-8" if mime == service.TEXT else mime
    inline = variant is not None or mime in INLINE_TYPES
    name = attachment.filename if variant is None else f"{attachment.filename}.jpg"
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A stored file never changes (a new upload is a new attachment).
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.delete("/attachments/<int:attachment_id>")
def delete_attachment(attachment_id):
    service.delete_attachment(caller(), attachment_id)
    return "", 204
