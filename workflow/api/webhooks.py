"""Outgoing webhooks (admins): register per channel, list, deactivate, read the delivery log."""
from flask import jsonify, request

from ..schemas.calendar import DeliveryOut, WebhookCreatedOut, WebhookIn, WebhookOut
from ..services import webhooks as webhook_service
from .blueprint import bp
from .common import caller, json_body


@bp.post("/webhooks")
def create_webhook():
    user = caller()
    data = WebhookIn().load(json_body())
    webhook = webhook_service.register_webhook(user, data["channel"], data["url"],
                                               allow_private=data["allow_private"])
    return jsonify(WebhookCreatedOut().dump(webhook)), 201


@bp.get("/webhooks")
def list_webhooks():
    return jsonify(WebhookOut(many=True).dump(
        webhook_service.list_webhooks(caller(), request.args.get("channel"))))


@bp.delete("/webhooks/<int:webhook_id>")
def deactivate_webhook(webhook_id):
    return jsonify(WebhookOut().dump(webhook_service.deactivate_webhook(caller(), webhook_id)))


@bp.get("/webhooks/<int:webhook_id>/deliveries")
def webhook_deliveries(webhook_id):
    return jsonify(DeliveryOut(many=True).dump(webhook_service.deliveries(caller(), webhook_id)))
