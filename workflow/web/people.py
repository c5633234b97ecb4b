"""A person's small page, where an @mention links: their name, library and the groups
the reader shares with them."""
from flask import render_template
from flask_login import current_user, login_required

from ..i18n import ROLE_NAMES
from ..services import queries
from .blueprint import bp


@bp.get("/people/<username>")
@login_required
def person(username):
    user, groups = queries.person(current_user._get_current_object(), username[:80])
    return render_template("people/person.html", person=user, groups=groups, role_names=ROLE_NAMES)
