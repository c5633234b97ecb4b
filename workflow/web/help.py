"""Short help pages, one per role (agent, lead, coordinator), at /help."""
from flask import abort, render_template
from flask_login import current_user, login_required

from ..services.queries import leads_any_group
from .blueprint import bp

ROLES = ("agent", "lead", "coordinator")


def _my_role(user):
    if user.is_coordinator or user.is_admin:
        return "coordinator"
    return "lead" if leads_any_group(user) else "agent"


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
