"""Helpers of the mail tests: the mails of a person as a mail client reads them
(the .eml the outbox folder holds, parsed with ``email.policy.default``)."""
import email
import email.policy
import os

from flask import current_app

from workflow.extensions import db
from workflow.models import OutboxMail

from .review_helpers import submit


def mails_to(user):
    """``[(OutboxMail, parsed message)]`` sent to ``user``, oldest first."""
    db.session.expire_all()
    folder = current_app.config["MAIL_OUTBOX_DIR"]
    rows = db.session.query(OutboxMail).filter_by(to_address=user.email).order_by(OutboxMail.id).all()
    out = []
    for row in rows:
        with open(os.path.join(folder, f"{row.id:08d}.eml"), "rb") as fh:
            out.append((row, email.message_from_bytes(fh.read(), policy=email.policy.default)))
    return out


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def submitted(api, new_item, author, **fields):
    item = new_item(author=author, **fields)
    submit(api, author, item["id"])
    return item
