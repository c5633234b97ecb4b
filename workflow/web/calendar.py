"""The publication calendar page: FullCalendar (month, week, list) fed by
GET /api/v1/calendar, made live by the same Socket.IO events as the boards.
What the script needs to know about who may drag what is computed here."""
from flask import current_app, render_template
from flask_login import current_user, login_required

from ..domain.events import CALENDAR_EVENT_TYPES
from ..models.items import RESOURCE_TYPES
from ..services import calendar as calendar_service
from ..services.queries import channels_with_blackouts, groups_led_by
from .blueprint import bp
from .board import TYPE_LABELS, script_names
from .publisher_status import publisher_notice


@bp.get("/calendar")
@login_required
def calendar_page():
    from ..api.feeds import atom_url, ical_url

    user = current_user._get_current_object()
    groups = calendar_service.visible_groups(user)
    lead_of = groups_led_by(user)
    channels = channels_with_blackouts()
    page = {
        "user_id": user.id,
        "time_zone": current_app.config["DEFAULT_TIMEZONE"],
        "can_schedule_all": bool(user.is_coordinator or user.is_admin),
        "lead_group_ids": lead_of,
        "groups": [{"id": g.id, "name": g.name, "color": g.color} for g in groups],
        "channels": [{"slug": c.slug, "name": c.name, "daily_capacity": c.daily_capacity} for c in channels],
        "type_labels": TYPE_LABELS,
        "default_hour": 10,
        "event_types": list(CALENDAR_EVENT_TYPES),
        **script_names(),
    }
    return render_template("calendar/calendar.html", page=page, groups=groups, channels=channels,
                           resource_types=RESOURCE_TYPES, type_labels=TYPE_LABELS,
                           ical_url=ical_url(user), atom_url=atom_url,
                           can_schedule=page["can_schedule_all"] or bool(lead_of),
                           publisher=publisher_notice(show_commands=user.is_admin))
