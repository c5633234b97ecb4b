"""The coordinators' dashboard: how much was published, how fast proposals get
through, which groups are stuck. Read-only; every figure comes from SQL
aggregates (GROUP BY, one index lookup per finished review), those over the event
log and the publications from covering indexes rather than rows, so the page costs
the same dozen queries for ten items or a hundred thousand, and no item is loaded
into Python: only the durations that the percentiles rank come back, as numbers.

Times are bucketed into Europe/Paris weeks and days by comparing with boundaries
computed here (nested CASEs for weeks, one range per day), which works the same
on SQLite and PostgreSQL and is exact across daylight-saving changes.
Percentiles are nearest-rank: the value at rank ceil(p·n) of the sorted durations."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select, text, union_all
from sqlalchemy.orm import aliased

from ..domain import states as st
from ..domain.errors import N_, Forbidden
from ..domain.reviews import working_days_between
from ..extensions import db
from ..models import Channel, Event, Group, Item, User, utcnow
from ..models.items import RESOURCE_TYPES
from .common import network_holidays, require_user
from .queries import groups_led_by_query

WEEKS = 12
FLOW_DAYS = 28
UPCOMING_DAYS = 14
OVERDUE_LIMIT = 100
UPCOMING_LIMIT = 300
PERCENTILES = (50, 90)
PARIS = ZoneInfo("Europe/Paris")
CHARTS = ("states", "publications-by-channel", "publications-by-type", "lead-times", "flow", "overdue", "upcoming")

# The words of the tables (column headers, "all groups"...) and the charts' titles, as
# msgids: the door translates them for its reader before calling tables().
WORDS = {
    "group": N_("Group"),
    "state": N_("State"),
    "channel": N_("Channel"),
    "type": N_("Type"),
    "total": N_("Total"),
    "all_groups": N_("All groups"),
    "no_channel": N_("No channel"),
    "lead_time_columns": [N_("Publications"), N_("Median lead time (days)"), N_("90th percentile lead time (days)"),
                          N_("Reviews finished"), N_("Median wait in review (days)"),
                          N_("90th percentile wait in review (days)")],
    "overdue_columns": [N_("No."), N_("Title"), N_("Group"), N_("Author"), N_("In review since"),
                        N_("Working days waited")],
    "upcoming_columns": [N_("Date"), N_("Title"), N_("Group"), N_("Channel"), N_("Type")],
}
TITLES = {
    "states": N_("Items per state and group"),
    "publications-by-channel": N_("Publications per week and channel (12 weeks)"),
    "publications-by-type": N_("Publications per week and type (12 weeks)"),
    "lead-times": N_("Lead times: from proposal to publication, and wait in review"),
    "flow": N_("Cumulative flow per group (28 days)"),
    "overdue": N_("Overdue reviews"),
    "upcoming": N_("Calendar of the next 14 days"),
}


# ---------------------------------------------------------------- who sees what

def dashboard_groups(user):
    """The groups whose figures ``user`` may see: all for coordinators and admins,
    the groups they lead for leads. Raises Unauthorized, Forbidden (an agent)."""
    require_user(user)
    q = select(Group.id, Group.name, Group.color, Group.review_limit_days).order_by(Group.name)
    if not (user.is_coordinator or user.is_admin):
        q = q.where(Group.id.in_(groups_led_by_query(user)))
    groups = [dict(row._mapping) for row in db.session.execute(q)]
    if not groups and not (user.is_coordinator or user.is_admin):
        raise Forbidden(N_("The dashboard is for coordinators and group leads."))
    return groups


# ---------------------------------------------------------------- time buckets

def _local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(timezone.utc)


def week_starts(now, weeks=WEEKS):
    """Mondays 00:00 (Paris) of the last ``weeks`` weeks, oldest first, the current week last."""
    today = now.astimezone(PARIS).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _bucket(column, boundaries, first=-1):
    """0-based index of the interval [b[i], b[i+1]) holding ``column``; -1 before
    the first boundary; len-1 after the last one (and for NULL). A balanced tree of
    CASEs (``first`` numbers the interval before ``boundaries[0]``): each row costs
    log2(n) comparisons instead of up to n, which tells on tens of thousands of rows."""
    if not boundaries:
        return literal(first)
    middle = len(boundaries) // 2
    return case((column < boundaries[middle], _bucket(column, boundaries[:middle], first)),
                else_=_bucket(column, boundaries[middle + 1:], first + middle + 1))


def _seconds(later, earlier):
    """``later - earlier`` in seconds, as SQL for the current database: a float, which
    PostgreSQL rounds from its exact numeric as Python's ``float()`` would, so tens of
    thousands of durations do not travel and sort as Decimals."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def _nearest_rank(ordered, p):
    """The value at rank ceil(p·n/100) of ``ordered`` (integer arithmetic, so no
    rounding of p·n can shift the rank)."""
    return ordered[(p * len(ordered) + 99) // 100 - 1]


def _percentiles(query):
    """Nearest-rank percentiles of ``query`` (a select of ``group_id`` and ``seconds``),
    overall and per group: ``{None: {"count", "p50", "p90"}, group_id: {...}}``.
    The database computes the durations in one query; they come back as bare numbers
    (Core rows, not ORM ones) and are sorted here. Ranking them with window functions
    took several passes over the whole set, about as long as computing them (a quarter
    to a third of a second for the benchmark's 70,000 reviews); fetching and sorting
    them here takes a third to a half of that, on SQLite and PostgreSQL alike."""
    per_group = {}
    # A few hundred rows at a time: cheaper than one by one, and each batch is gone before
    # the garbage collector would promote it (batches of thousands made it sweep the heap).
    for rows in db.session.connection().execute(query).partitions(500):
        for group_id, seconds in rows:
            if seconds is not None:
                per_group.setdefault(group_id, []).append(seconds)
    everything = sorted(seconds for values in per_group.values() for seconds in values)
    out = {}
    for key, values in ((None, everything), *per_group.items()):
        if values:
            values.sort()
            out[key] = {"count": len(values), **{f"p{p}": float(_nearest_rank(values, p)) for p in PERCENTILES}}
    return out


# ---------------------------------------------------------------- the figures

def state_counts(group_ids):
    """``({group_id: {state: count}} of the items not in the trash, the same with the
    trash)``: one GROUP BY."""
    rows = db.session.execute(
        select(Item.group_id, Item.state, Item.deleted, func.count()).where(Item.group_id.in_(group_ids))
        .group_by(Item.group_id, Item.state, Item.deleted))
    shown = {gid: {s: 0 for s in st.STATES} for gid in group_ids}
    everything = {gid: {s: 0 for s in st.STATES} for gid in group_ids}
    for gid, state, deleted, count in rows:
        if state not in st.STATES:
            continue
        everything[gid][state] += count
        if not deleted:
            shown[gid][state] += count
    return shown, everything


def publications_per_week(group_ids, now):
    """Items published in each of the last 12 Paris weeks, by channel and by type:
    ``{"weeks": [date...], "by_channel": {channel_id: [n]*12}, "by_type": {type: [n]*12}}``."""
    starts = week_starts(now)
    boundaries = [_local_midnight(d) for d in starts]
    week = _bucket(Item.published_at, boundaries).label("week")
    rows = db.session.execute(
        select(week, Item.channel_id, Item.resource_type, func.count())
        .where(Item.group_id.in_(group_ids), Item.deleted.is_(False), Item.published_at >= boundaries[0],
               Item.published_at < now)
        .group_by(week, Item.channel_id, Item.resource_type))
    by_channel, by_type = {}, {}
    for index, channel_id, resource_type, count in rows:
        if not 0 <= index < len(starts):
            continue
        by_channel.setdefault(channel_id, [0] * len(starts))[index] += count
        by_type.setdefault(resource_type, [0] * len(starts))[index] += count
    return {"weeks": starts, "by_channel": by_channel, "by_type": by_type}


def lead_times(group_ids, since):
    """Median and 90th percentile, in seconds, of proposal → publication for the
    items published since ``since``: ``{None: overall, group_id: per group}``."""
    seconds = _seconds(Item.published_at, Item.created_at).label("seconds")
    return _percentiles(
        select(Item.group_id, seconds)
        .where(Item.group_id.in_(group_ids), Item.deleted.is_(False), Item.published_at.is_not(None),
               Item.published_at >= since))


def _entering(event=Event):
    return and_(event.to_state == st.IN_REVIEW, event.from_state != st.IN_REVIEW)


def _state_changed():
    return and_(Event.to_state.is_not(None), Event.from_state.is_not(None), Event.to_state != Event.from_state)


def review_waits(group_ids, since):
    """Median and 90th percentile, in seconds, of the time items waited in review
    (the event that put them in review → the event that took them out: a decision
    or a withdrawal), for reviews that ended since ``since``. Read from the event
    log's state columns: the exits of the window come from one index range, and for
    each exit the last entry before it on the same item is one lookup in an index
    that holds everything the lookup reads (``ix_events_item_entered``)."""
    entry = aliased(Event)
    entered_at = (select(entry.created_at)
                  .where(entry.item_id == Event.item_id, entry.id < Event.id, _entering(entry))
                  .order_by(entry.id.desc()).limit(1).correlate(Event).scalar_subquery())
    leaving = and_(Event.from_state == st.IN_REVIEW, Event.to_state != st.IN_REVIEW)
    return _percentiles(
        select(Event.group_id, _seconds(Event.created_at, entered_at).label("seconds"))
        .where(leaving, Event.created_at >= since, Event.group_id.in_(group_ids), Event.item_id.is_not(None)))


def _changes_per_day(group_ids, boundaries):
    """``{(group_id, state): {day index: net change}}`` of the events since
    ``boundaries[0]``, day ``i`` running from ``boundaries[i]`` to the next boundary
    (the last one to now): creations entered "proposed", a change of state left its
    ``from`` and entered its ``to``. One SELECT per day glued by UNION ALL: each reads
    its day's range of ``ix_events_group_time`` and groups a few thousand rows, which
    costs SQLite half of numbering 80,000 rows by day and grouping them together."""
    created = (Event.type == "item.created").label("created")
    per_day = []
    for index, start in enumerate(boundaries):
        during = [Event.created_at >= start]
        if index + 1 < len(boundaries):
            during.append(Event.created_at < boundaries[index + 1])
        per_day.append(
            select(Event.group_id, literal(index).label("day"), created, Event.from_state, Event.to_state,
                   func.count())
            .where(*during, Event.group_id.in_(group_ids), Event.item_id.is_not(None),
                   or_(Event.type == "item.created", _state_changed()))
            .group_by(Event.group_id, created, Event.from_state, Event.to_state))
    deltas = {}

    def add(gid, state, index, delta):
        per_state = deltas.setdefault((gid, state), {})
        per_state[index] = per_state.get(index, 0) + delta

    for gid, index, was_created, from_state, to_state, count in db.session.execute(union_all(*per_day)):
        if was_created:
            add(gid, st.PROPOSED, index, count)
        if from_state is not None and to_state is not None and from_state != to_state:
            add(gid, to_state, index, count)
            add(gid, from_state, index, -count)
    return deltas


def cumulative_flow(group_ids, now, counts_now, days=FLOW_DAYS):
    """Items per state at the end of each of the last ``days`` Paris days, per group:
    today's counts (``counts_now``, trash included) with the event log's changes of the
    window undone day by day, newest first. Only the window's events are read, from
    an index. ``{"days": [date...], "groups": {gid: {state: [n]*days}}}``."""
    today = now.astimezone(PARIS).date()
    day_list = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    deltas = _changes_per_day(group_ids, [_local_midnight(d) for d in day_list])
    out = {}
    for gid in group_ids:
        series = {}
        for state in st.STATES:
            per_day = deltas.get((gid, state), {})
            running = counts_now.get(gid, {}).get(state, 0)
            values = [0] * days
            for index in range(days - 1, -1, -1):
                values[index] = running
                running -= per_day.get(index, 0)
            series[state] = values
        out[gid] = series
    return {"days": day_list, "groups": out}


def overdue_cutoff(now, limit_days):
    """The instant before which a review submitted has waited more than
    ``limit_days`` working days at ``now`` (the rule of the reminders, reviews.remind)."""
    off = network_holidays()
    day = now.date()
    while working_days_between(datetime.combine(day, time(0), tzinfo=timezone.utc), now, off) <= limit_days:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=timezone.utc)


def overdue_reviews(groups, now, limit=OVERDUE_LIMIT):
    """Items in review longer than their group's limit (working days), the oldest
    first: ``(total, [rows])``; at most ``limit`` rows."""
    since = func.coalesce(Item.submitted_at, Item.updated_at)
    by_limit = {}
    for g in groups:
        by_limit.setdefault(g["review_limit_days"] or 3, []).append(g["id"])
    late = or_(*(and_(Item.group_id.in_(ids), since < overdue_cutoff(now, days)) for days, ids in by_limit.items()))
    where = (Item.state == st.IN_REVIEW, Item.deleted.is_(False), late)
    total = db.session.scalar(select(func.count()).select_from(Item).where(*where))
    rows = db.session.execute(
        select(Item.id, Item.title, Item.group_id, since.label("since"), User.display_name.label("author"))
        .join(User, User.id == Item.author_id).where(*where).order_by(since, Item.id).limit(limit))
    out = []
    for row in rows:
        out.append({"id": row.id, "title": row.title, "group_id": row.group_id, "since": row.since,
                    "waited_working_days": working_days_between(row.since, now, network_holidays()), "author": row.author})
    return total, out


def upcoming(group_ids, now, days=UPCOMING_DAYS, limit=UPCOMING_LIMIT):
    """Scheduled items of the next ``days`` days, soonest first (at most ``limit``)."""
    rows = db.session.execute(
        select(Item.id, Item.title, Item.group_id, Item.resource_type, Item.scheduled_at,
               Channel.name.label("channel"))
        .outerjoin(Channel, Channel.id == Item.channel_id)
        .where(Item.group_id.in_(group_ids), Item.deleted.is_(False), Item.state == st.SCHEDULED,
               Item.scheduled_at >= now, Item.scheduled_at < now + timedelta(days=days))
        .order_by(Item.scheduled_at, Item.id).limit(limit))
    return [dict(row._mapping) for row in rows]


def dashboard(user, now=None):
    """Every figure of the dashboard for ``user`` (see ``dashboard_groups`` for who
    sees what). A fixed number of queries. Raises Unauthorized, Forbidden."""
    now = now or utcnow()
    groups = dashboard_groups(user)
    if db.engine.dialect.name == "postgresql":
        # The planner prices the per-exit index lookups of review_waits so high that it
        # JIT-compiles the query, which costs more than running it: not for this transaction.
        db.session.execute(text("SET LOCAL jit = off"))
    ids = [g["id"] for g in groups]
    weekly = publications_per_week(ids, now)
    since = _local_midnight(weekly["weeks"][0])
    channels = {c.id: c.name for c in db.session.execute(select(Channel.id, Channel.name))}
    overdue_total, overdue_rows = overdue_reviews(groups, now)
    shown, everything = state_counts(ids)
    return {
        "now": now,
        "since": since,
        "groups": groups,
        "channels": channels,
        "resource_types": RESOURCE_TYPES,
        "states": shown,
        "weekly": weekly,
        "lead_times": lead_times(ids, since),
        "review_waits": review_waits(ids, since),
        "flow": cumulative_flow(ids, now, everything),
        "overdue_total": overdue_total,
        "overdue": overdue_rows,
        "upcoming": upcoming(ids, now),
    }


# ---------------------------------------------------------------- tables (HTML, CSV, API)

def tables(data, words, state_labels, type_labels):
    """Each chart's numbers as ``{chart: (header, rows)}``: the same rows feed the
    HTML tables, the CSV exports and the API, so they cannot disagree. ``words`` is
    :data:`WORDS` (column headers, "all groups"...) translated by the door for its reader."""
    w = words
    groups = {g["id"]: g["name"] for g in data["groups"]}
    out = {}
    out["states"] = ([w["group"], *(state_labels[s] for s in st.STATES), w["total"]],
                     [[groups[gid], *(counts[s] for s in st.STATES), sum(counts.values())]
                      for gid, counts in data["states"].items()])
    weeks = [d.isoformat() for d in data["weekly"]["weeks"]]

    def channel_name(cid):
        return data["channels"].get(cid, w["no_channel"]) if cid else w["no_channel"]

    out["publications-by-channel"] = (
        [w["channel"], *weeks, w["total"]],
        [[channel_name(cid), *values, sum(values)]
         for cid, values in sorted(data["weekly"]["by_channel"].items(), key=lambda kv: channel_name(kv[0]))])
    out["publications-by-type"] = (
        [w["type"], *weeks, w["total"]],
        [[type_labels.get(t, t), *data["weekly"]["by_type"][t], sum(data["weekly"]["by_type"][t])]
         for t in data["resource_types"] if t in data["weekly"]["by_type"]])

    def days(seconds):
        return "" if seconds is None else round(seconds / 86400, 1)

    lead_rows = []
    for key, label in [(None, w["all_groups"]), *((g["id"], g["name"]) for g in data["groups"])]:
        lt = data["lead_times"].get(key) or {}
        rw = data["review_waits"].get(key) or {}
        lead_rows.append([label, lt.get("count", 0), days(lt.get("p50")), days(lt.get("p90")),
                          rw.get("count", 0), days(rw.get("p50")), days(rw.get("p90"))])
    out["lead-times"] = ([w["group"], *w["lead_time_columns"]], lead_rows)
    flow_rows = []
    for gid, series in data["flow"]["groups"].items():
        for state in st.STATES:
            flow_rows.append([groups[gid], state_labels[state], *series[state]])
    out["flow"] = ([w["group"], w["state"], *(d.isoformat() for d in data["flow"]["days"])], flow_rows)
    out["overdue"] = (w["overdue_columns"],
                      [[r["id"], r["title"], groups.get(r["group_id"], ""), r["author"],
                        r["since"].astimezone(PARIS).strftime("%Y-%m-%d %H:%M"), r["waited_working_days"]]
                       for r in data["overdue"]])
    out["upcoming"] = (w["upcoming_columns"],
                       [[r["scheduled_at"].astimezone(PARIS).strftime("%Y-%m-%d %H:%M"), r["title"],
                         groups.get(r["group_id"], ""), r["channel"] or "",
                         type_labels.get(r["resource_type"], r["resource_type"])]
                        for r in data["upcoming"]])
    return out
