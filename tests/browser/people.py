"""People with full, accented names for the mention and live-cue tests (the shared server's
seeded users are called "Alice", "Chloe"…): each test gets its own group of them."""
import itertools

from tests import factories as f

PEOPLE = {"amartin": ("Alice Martin", "agent"), "cbernard": ("Chloé Bernard", "lead"),
          "lrobert": ("Louis Robert", "lead"), "gfantome": ("Gaston Fantôme", "agent")}
_groups = itertools.count(1)


def named_group(seed, required_approvals=1):
    """A fresh group of PEOPLE (gfantome's account inactive); returns its id."""

    def build():
        from workflow.extensions import db
        from workflow.models import User

        group = f.GroupFactory(name=f"Groupe Mentions {next(_groups)}", required_approvals=required_approvals)
        for username, (name, role) in PEOPLE.items():
            user = db.session.query(User).filter_by(username=username).one_or_none() or f.UserFactory(
                username=username, display_name=name)
            f.MembershipFactory(user=user, group=group, role=role)
            user.active = username != "gfantome"
        db.session.commit()
        return group.id

    return seed(build)


def item_in(seed, group_id, author, title, *, submit=False, body=""):
    """An item proposed by ``author`` (submitted for review with ``submit``); returns its id."""

    def build():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import items as item_service
        from workflow.services import workflow as workflow_service

        user = db.session.query(User).filter_by(username=author).one()
        item = item_service.create_item(user, group_id, {"title": title, "resource_type": "article", "body": body})
        if submit:
            workflow_service.transition_item(user, item.id, "in_review")
        return item.id

    return seed(build)


def review(seed, lead, item_id, decision, comment=""):
    def run():
        from workflow.extensions import db
        from workflow.models import User
        from workflow.services import workflow as workflow_service

        user = db.session.query(User).filter_by(username=lead).one()
        workflow_service.review_item(user, item_id, decision, comment)

    seed(run)
