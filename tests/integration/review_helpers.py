"""Helpers shared by the review, notification, mention and XSS tests."""
from datetime import timedelta

from workflow.extensions import db
from workflow.models import ChecklistEntry, Item, Notification, utcnow


def submit(api, user, item_id):
    response = api(user).post(f"/api/v1/items/{item_id}/transitions", json={"to": "in_review"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def decide(api, user, item_id, decision, comment="", checklist=None):
    body = {"decision": decision, "comment": comment}
    if checklist is not None:
        body["checklist"] = checklist
    return api(user).post(f"/api/v1/items/{item_id}/reviews", json=body)


def submitted_ago(item_id, **delta):
    """Pretend the item was submitted ``delta`` ago."""
    item = db.session.get(Item, item_id)
    item.submitted_at = utcnow() - timedelta(**delta)
    db.session.commit()


def add_checklist(group, resource_type, *labels):
    for position, label in enumerate(labels):
        db.session.add(ChecklistEntry(group_id=group.id, resource_type=resource_type, label=label,
                                      position=position))
    db.session.commit()


def notes_of(user, kind=None):
    db.session.expire_all()
    q = db.session.query(Notification).filter_by(user_id=user.id)
    if kind:
        q = q.filter_by(kind=kind)
    return q.order_by(Notification.id).all()


def recipients(kind):
    """Usernames notified of ``kind``, sorted."""
    from workflow.models import User

    db.session.expire_all()
    rows = db.session.query(User.username).join(Notification, Notification.user_id == User.id) \
        .filter(Notification.kind == kind).all()
    return sorted(r[0] for r in rows)
