"""Short help pages, one per role (agent, lead, coordinator), at /help."""
from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Membership
from .blueprint import bp

ROLES = ("agent", "lead", "coordinator")


def _my_role(user):
    if user.is_coordinator or user.is_admin:
        return "coordinator"
    leads = db.session.scalar(select(Membership.group_id).where(Membership.user_id == user.id,
                                                                 Membership.role == "lead").limit(1))
    return "lead" if leads is not None else "agent"


@bp.get("/help")
@login_required
def help_page():
    return render_template("help/index.html", mine=_my_role(current_user), roles=ROLES)


@bp.get("/help/<role>")
@login_required
def help_role(role):
    if role not in ROLES:
        abort(404)
    return render_template(f"help/{role}.html", role=role, roles=ROLES, mine=_my_role(current_user))
