"""The publisher: publishes the items whose time has come and sends the pending
webhook deliveries and grouped notification mails. Every process that runs the app may run it (the in-process
scheduler, ``flask relais publish-due``); a lease in the database makes exactly
one of them the publisher at a time. The lease names its holder and runs out
after ``PUBLISHER_LEASE`` seconds without a round, so when the publishing process
dies another one takes over. Each round records when it ran, which the calendar
and the admin page show, with a warning when the publisher is late."""
import os
import socket
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ..domain import states as st
from ..extensions import db
from ..models import Item, PublisherLease, utcnow

LEASE_NAME = "publisher"


def process_name():
    """This process, as the lease names its holder: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_seconds():
    """How long a lease lasts without a round: PUBLISHER_LEASE, else 3 intervals (≥ 90 s)."""
    configured = current_app.config.get("PUBLISHER_LEASE")
    if configured:
        return float(configured)
    return max(90.0, 3 * float(current_app.config.get("SCHEDULER_INTERVAL", 30)))


def take_lease(holder, now=None):
    """Take or renew the publisher's lease for ``holder``. True when ``holder``
    is the publisher now: the lease was free, ran out, or was already its own."""
    now = now or utcnow()
    until = now + timedelta(seconds=lease_seconds())
    taken = db.session.execute(
        update(PublisherLease)
        .where(PublisherLease.name == LEASE_NAME,
               or_(PublisherLease.holder == holder, PublisherLease.expires_at < now))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)).rowcount
    if taken:
        db.session.commit()
        return True
    if db.session.get(PublisherLease, LEASE_NAME) is not None:
        db.session.rollback()
        return False  # held by another live process
    try:
        db.session.add(PublisherLease(name=LEASE_NAME, holder=holder, expires_at=until))
        db.session.commit()
        return True
    except IntegrityError:  # another process created it first
        db.session.rollback()
        return False


def release_lease(holder):
    """Give the lease up (a process that stops), so another takes over at once."""
    db.session.execute(update(PublisherLease)
                       .where(PublisherLease.name == LEASE_NAME, PublisherLease.holder == holder)
                       .values(expires_at=utcnow() - timedelta(seconds=1))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def run_round(holder=None, now=None):
    """One publisher round, if ``holder`` (this process by default) holds the
    lease: publish what is due, send the pending webhooks and the grouped mails
    whose window has closed, note the time. Returns None when another process is
    the publisher, else ``{"published": n, "webhooks": {...}, "mails": n}``."""
    from .notifications import send_grouped_mails
    from .webhooks import deliver_pending
    from .workflow import publish_due

    holder = holder or process_name()
    if not take_lease(holder, now):
        return None
    published = publish_due(now=now)
    sent = deliver_pending()
    mails = send_grouped_mails()
    db.session.execute(update(PublisherLease)
                       .where(PublisherLease.name == LEASE_NAME, PublisherLease.holder == holder)
                       .values(last_run_at=utcnow(), last_published=published)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return {"published": published, "webhooks": sent, "mails": mails}


def late_after_seconds():
    """How long without a round before the pages say the publisher is late."""
    configured = current_app.config.get("PUBLISHER_LATE_AFTER")
    if configured:
        return float(configured)
    return max(120.0, 3 * float(current_app.config.get("SCHEDULER_INTERVAL", 30)))


def status(now=None):
    """What the pages show: when the publisher last ran, whether it is late, and
    how many scheduled items are past their time (``overdue``). Read only."""
    now = now or utcnow()
    lease = db.session.get(PublisherLease, LEASE_NAME)
    last_run = lease.last_run_at if lease else None
    overdue = db.session.scalar(
        select(db.func.count()).select_from(Item)
        .where(Item.state == st.SCHEDULED, Item.deleted.is_(False),
               Item.scheduled_at <= now - timedelta(seconds=late_after_seconds()))) or 0
    late = last_run is None or (now - last_run).total_seconds() > late_after_seconds()
    return {"last_run_at": last_run, "late": late or bool(overdue), "overdue": overdue,
            "holder": lease.holder if lease else None,
            "interval": float(current_app.config.get("SCHEDULER_INTERVAL", 30))}
