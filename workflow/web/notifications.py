"""The notifications page (/notifications: mark read, mark all read) and the
preferences page (/notifications/preferences: e-mail per kind, daily digest)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from ..domain import reviews as rv
from ..i18n import NOTIFICATION_KIND_NAMES
from ..services import notifications as notes
from .blueprint import bp
from .board import local_date


@bp.get("/notifications")
@login_required
def notifications_page():
    user = current_user._get_current_object()
    items = notes.list_notifications(user, limit=100)
    return render_template("notifications/list.html", notifications=items, local_date=local_date,
                           link_for=notes.link_for, note_text=notes.note_text, kind_labels=NOTIFICATION_KIND_NAMES,
                           body_html=lambda note, body: Markup(notes.body_html(note, body)),
                           unread=notes.unread_count(user))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id):
    note = notes.mark_read(current_user._get_current_object(), notification_id)
    if request.form.get("open") == "1":
        return redirect(notes.link_for(note))
    return redirect(url_for("web.notifications_page"))


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all():
    count = notes.mark_all_read(current_user._get_current_object())
    flash(ngettext("%(num)s notification marked as read.", "%(num)s notifications marked as read.", count))
    return redirect(url_for("web.notifications_page"))


@bp.get("/notifications/preferences")
@login_required
def preferences_page():
    return render_template("notifications/preferences.html", kind_labels=NOTIFICATION_KIND_NAMES,
                           prefs=notes.preferences(current_user._get_current_object()))


@bp.post("/notifications/preferences")
@login_required
def preferences_save():
    user = current_user._get_current_object()
    wanted = set(request.form.getlist("email"))
    notes.set_preferences(user, {k: k in wanted for k in rv.NOTIFICATION_KINDS},
                          daily_digest=request.form.get("daily_digest") == "1")
    flash(_("Preferences saved."))
    return redirect(url_for("web.preferences_page"))
