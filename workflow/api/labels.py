"""A group's labels: list and create (members), rename, recolour and delete (leads)."""
from flask import jsonify

from ..domain.labels import PALETTE
from ..i18n import translate_text
from ..schemas.inputs import LabelIn, LabelPatchIn
from ..schemas.outputs import LabelOut
from ..services import labels as label_service
from .blueprint import bp
from .common import caller, json_body

_label_out = LabelOut()


def palette():
    """The colours a label may take: ``[{color, background, text, name}]``."""
    return [{"color": key, "background": bg, "text": fg, "name": translate_text(name)}
            for key, (bg, fg, name) in PALETTE.items()]


@bp.get("/groups/<int:group_id>/labels")
def list_labels(group_id):
    labels = label_service.list_labels(caller(), group_id)
    return jsonify({"labels": LabelOut(many=True).dump(labels), "palette": palette()})


@bp.post("/groups/<int:group_id>/labels")
def create_label(group_id):
    data = LabelIn().load(json_body())
    label = label_service.create_label(caller(), group_id, data["name"], data.get("color"))
    return jsonify(_label_out.dump(label)), 201


@bp.patch("/labels/<int:label_id>")
def update_label(label_id):
    data = LabelPatchIn().load(json_body())
    return jsonify(_label_out.dump(label_service.update_label(caller(), label_id, data)))


@bp.delete("/labels/<int:label_id>")
def delete_label(label_id):
    return jsonify(label_service.delete_label(caller(), label_id))
