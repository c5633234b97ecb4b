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
from datetime import timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import or_, select

from ..extensions import db
from ..models import OutboxMail, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Headers are written on one line up to RFC 5322's 998 characters: the standard
# library's folding at 78 drops the space between two encoded words (a long French
# Subject lost the space before "»"). Bodies are quoted-printable, 76 a line.
MAIL_POLICY = policy.default.clone(max_line_length=998)
SEEN_URL = "relais_seen_public_url"


# ---------------------------------------------------------------- where links point

def public_base_url():
    """The address people reach the app at, without a trailing slash: PUBLIC_URL;
    unset, outside production, the address of the request being served (remembered
    for mails written later by the scheduler), else ``http://HOST:PORT`` from the
    environment ``flask run``/``make run`` use; production never believes a Host
    header for links (it warns at start instead, see ``warn_without_public_url``)."""
    cfg = current_app.config
    if cfg.get("PUBLIC_URL"):
        return cfg["PUBLIC_URL"].rstrip("/")
    if cfg.get("ENV_NAME") != "production":
        if has_request_context():
            base = request.host_url.rstrip("/")
            current_app.extensions[SEEN_URL] = base
            return base
        if current_app.extensions.get(SEEN_URL):
            return current_app.extensions[SEEN_URL]
    return _url_from_environment()


def _url_from_environment():
    host = os.environ.get("FLASK_RUN_HOST") or os.environ.get("HOST") or "localhost"
    if host in ("0.0.0.0", "::"):
        host = "localhost"
    port = os.environ.get("FLASK_RUN_PORT") or os.environ.get("PORT") or "5000"
    return f"http://{host}:{port}"


def public_url(path):
    """``path`` (``/reviews``) as an absolute link for a mail."""
    return public_base_url() + path


def warn_without_public_url(app):
    """At start, in production: say that PUBLIC_URL is unset (links in mails would be wrong)."""
    if app.config.get("ENV_NAME") == "production" and not app.config.get("PUBLIC_URL"):
        with app.app_context():
            fallback = public_base_url()
        app.logger.warning("PUBLIC_URL is not set: links in e-mails will point at %s and mails will come from "
                           "@%s. Set PUBLIC_URL to the address people use (e.g. https://relais.example.org).",
                           fallback, mail_domain(app))


def mail_domain(app=None):
    """The domain of From and Message-ID: MAIL_DOMAIN, else PUBLIC_URL's host."""
    cfg = (app or current_app).config
    if cfg.get("MAIL_DOMAIN"):
        return cfg["MAIL_DOMAIN"]
    url = cfg.get("PUBLIC_URL")
    if not url:
        with (app or current_app).app_context():
            url = public_base_url()
    return urlsplit(url).hostname or "localhost"


def sender():
    """MAIL_DEFAULT_SENDER, else ``Relais <relais@MAIL_DOMAIN>``."""
    configured = current_app.config.get("MAIL_DEFAULT_SENDER")
    if configured and parseaddr(configured)[1]:
        return configured
    return formataddr(("Relais", f"relais@{mail_domain()}"))


# ---------------------------------------------------------------- the outbox

def deliverable(address):
    """False for no address and for the placeholder of an account made without one
    (``username@relais.invalid``: ".invalid" is reserved, RFC 2606)."""
    return bool(address) and not address.lower().endswith(".invalid")


def queue_mail(to_address, subject, body_text, body_html="", *, unsubscribe_url=""):
    """Add a mail to the outbox (not committed: the caller's transaction does).
    ``unsubscribe_url`` (notification mails): the one-click link of List-Unsubscribe."""
    mail = OutboxMail(to_address=to_address, subject=subject[:300], body_text=body_text, body_html=body_html,
                      created_at=utcnow(), attempts=0, next_attempt_at=utcnow(),
                      unsubscribe_url=(unsubscribe_url or "")[:500] or None)
    db.session.add(mail)
    return mail


def build_message(mail: OutboxMail) -> EmailMessage:
    """The mail as sent and as written to the outbox folder: the same Date and
    Message-ID every time (a retry is the same message), Auto-Submitted (RFC 3834:
    no auto-replies), and for notification mails List-Unsubscribe with one-click
    List-Unsubscribe-Post (RFC 2369, RFC 8058)."""
    created = (mail.created_at or utcnow()).astimezone(timezone.utc)
    domain = mail_domain()
    msg = EmailMessage()
    msg["From"] = sender()
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(created)  # an aware UTC time: "+0000"
    msg["Message-ID"] = f"<relais.{mail.id}.{int(created.timestamp() * 1000)}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.body_text, cte="quoted-printable")
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html", cte="quoted-printable")
    msg.policy = MAIL_POLICY  # the headers' folding, when written out
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
