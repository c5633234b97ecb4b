"""E-mail: every mail is first written to the OutboxMail table (in the same
transaction as what caused it) and, after commit, sent with smtplib when
MAIL_SERVER is configured. Without a server it stays in the table and is also
written as a .eml file in the outbox folder (MAIL_OUTBOX_DIR, default
instance/outbox/): nothing is lost and tests can read it. A failed send is
retried later (``flask relais send-mail``) with a growing delay; it never
breaks the action that triggered it."""
import logging
import os
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import or_, select

from ..extensions import db
from ..models import OutboxMail, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def deliverable(address):
    """False for no address and for the placeholder of an account made without one
    (``username@relais.invalid``: ".invalid" is reserved, RFC 2606)."""
    return bool(address) and not address.lower().endswith(".invalid")


def queue_mail(to_address, subject, body_text, body_html=""):
    """Add a mail to the outbox (not committed: the caller's transaction does)."""
    mail = OutboxMail(to_address=to_address, subject=subject[:300], body_text=body_text, body_html=body_html,
                      created_at=utcnow(), attempts=0, next_attempt_at=utcnow())
    db.session.add(mail)
    return mail


def build_message(mail: OutboxMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "relais@localhost"
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="relais")
    msg.set_content(mail.body_text)
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html")
    return msg


def outbox_dir():
    return current_app.config.get("MAIL_OUTBOX_DIR") or os.path.join(current_app.instance_path, "outbox")


def write_eml(mail: OutboxMail):
    """Write the mail as ``<outbox>/<id>.eml`` (an .eml opens in any mail reader)."""
    folder = outbox_dir()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{mail.id:08d}.eml")
    with open(path, "wb") as fh:
        fh.write(bytes(build_message(mail)))
    return path


def _smtp_send(message: EmailMessage):
    """The small smtplib wrapper: one connection per batch would be faster, one per
    mail is simpler and the volume is a few dozen mails a day."""
    cfg = current_app.config
    port = int(cfg.get("MAIL_PORT") or 25)
    cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    with cls(cfg["MAIL_SERVER"], port, timeout=float(cfg.get("MAIL_TIMEOUT") or 10)) as smtp:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def backoff(attempts):
    """Delay before the next try: 1, 2, 4, 8... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(0, attempts - 1), 360))


def deliver(mail_ids):
    """After commit: write each mail to the outbox folder and, with MAIL_SERVER,
    send it. Errors are logged and the mail is rescheduled; nothing is raised."""
    if not mail_ids:
        return 0
    sent = 0
    try:
        mails = list(db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(list(mail_ids)))))
        for mail in mails:
            sent += _deliver_one(mail)
        db.session.commit()
    except Exception:  # mail must never turn a committed change into an error
        log.exception("delivering mails %s failed", mail_ids)
        db.session.rollback()
    return sent


def _deliver_one(mail, now=None):
    now = now or utcnow()
    if mail.attempts == 0:
        try:
            write_eml(mail)
        except OSError:
            log.exception("could not write mail %s to the outbox folder", mail.id)
    if not current_app.config.get("MAIL_SERVER"):
        # Kept in the outbox (table and folder) until a server is configured.
        mail.next_attempt_at = None
        return 0
    mail.attempts = (mail.attempts or 0) + 1
    try:
        _smtp_send(build_message(mail))
    except (OSError, smtplib.SMTPException) as exc:
        mail.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        mail.next_attempt_at = now + backoff(mail.attempts) if mail.attempts < MAX_ATTEMPTS else None
        log.warning("mail %s to %s failed (attempt %s): %s", mail.id, mail.to_address, mail.attempts, exc)
        return 0
    mail.sent_at = now
    mail.next_attempt_at = None
    mail.last_error = ""
    return 1


def send_pending(now=None):
    """Retry every unsent mail whose next attempt is due (``flask relais send-mail``).
    Returns ``(sent, failed)``."""
    now = now or utcnow()
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0
    mails = list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS,
                                 or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
        .order_by(OutboxMail.id)))
    sent = 0
    for mail in mails:
        sent += _deliver_one(mail, now)
    db.session.commit()
    return sent, len(mails) - sent
