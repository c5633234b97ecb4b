"""Review rules in plain Python: working days a review has waited, the
"what changed since the last review" diff, suggested checklists, @mentions
and the notification kinds. No Flask, no database."""
import difflib
import functools
import re
from datetime import date, datetime, timedelta

import holidays as holiday_calendars

from .errors import N_
from .states import CONTENT_FIELDS

# ---------------------------------------------------------------- notifications

REVIEW_REQUESTED = "review_requested"
DECISION = "decision"
MENTION = "mention"
SCHEDULED = "scheduled"
PUBLISHED = "published"
REVIEW_OVERDUE = "review_overdue"
LICENCE_EXPIRED = "licence_expired"
DUE_DATE = "due_date"
# News of an item one follows (« Suivre »), for those no more specific kind told of it.
FOLLOWED = "followed"

NOTIFICATION_KINDS = (REVIEW_REQUESTED, DECISION, MENTION, SCHEDULED, PUBLISHED, REVIEW_OVERDUE,
                      LICENCE_EXPIRED, DUE_DATE, FOLLOWED)
# Kinds that also go by e-mail unless the person says otherwise.
EMAIL_BY_DEFAULT = frozenset({REVIEW_REQUESTED, DECISION, REVIEW_OVERDUE, LICENCE_EXPIRED, DUE_DATE})

DECISIONS = ("approve", "request_changes", "reject")

# ---------------------------------------------------------------- checklists

SUGGESTED_CHECKLISTS = {
    "video": ["Sous-titres disponibles", "Droits de diffusion vérifiés"],
    "kids": ["Tranche d'âge vérifiée", "Contenu adapté au jeune public"],
    "ebook": ["Période de licence saisie (fin de licence)", "Accès depuis le catalogue vérifié"],
    "self_training": ["Inscription gratuite pour les usagers vérifiée"],
    "audio": ["Droits de diffusion vérifiés"],
    "article": ["Source et date vérifiées"],
    "other": [],
}


def missing_checklist_points(required, ticked):
    """The required points (labels) not in ``ticked``, in their order."""
    ticked = set(ticked or ())
    return [label for label in required if label not in ticked]


# ---------------------------------------------------------------- waiting time

@functools.lru_cache(maxsize=8)
def public_holidays(country: str = "FR", subdiv: str | None = None):
    """The public holidays of the network's country, and of its region when given
    (``subdiv``, e.g. "6AE" for Alsace, "57" for Moselle: Good Friday and 26 December),
    from the ``holidays`` package: a date ``in`` it is a holiday, whatever the year."""
    return holiday_calendars.country_holidays(country, subdiv=subdiv)


def working_days_between(start: datetime, end: datetime, holidays=None) -> int:
    """Whole working days (Monday–Friday, public holidays excepted: France's by
    default) from ``start`` to ``end``: a review submitted on Friday evening has
    waited 1 working day on Monday evening, and none from Christmas Eve to Boxing Day."""
    if end <= start:
        return 0
    holidays = public_holidays() if holidays is None else holidays
    day = start.date()
    last = end.date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count += 1
    return count


# ---------------------------------------------------------------- diff

# The content an approval covers (domain.states.CONTENT_FIELDS), as a review snapshot keeps it.
SNAPSHOT_FIELDS = CONTENT_FIELDS
# English msgids: the door translates them (workflow/i18n.py).
FIELD_LABELS = {"title": N_("Title"), "summary": N_("Summary"), "body": N_("Description"), "resource_url": N_("Link"),
                "resource_type": N_("Resource type"), "attachments": N_("Attachments")}


def field_diff(field, before, after):
    """One field's change as lines ``{"op": "+"|"-"|" ", "text": ...}``, or None if unchanged."""
    before = before or ""
    after = after or ""
    if before == after:
        return None
    lines = []
    for line in difflib.ndiff(before.splitlines() or [""], after.splitlines() or [""]):
        op, text = line[:1], line[2:]
        if op in ("+", "-", " "):
            lines.append({"op": op, "text": text})
    return {"field": field, "label": FIELD_LABELS.get(field, field), "lines": lines}


def content_diff(before: dict | None, after: dict):
    """What changed between two snapshots, field by field (only changed fields).
    ``before`` None means there was no earlier review: nothing to compare."""
    if before is None:
        return []
    out = []
    for field in SNAPSHOT_FIELDS:
        if field not in before:  # a snapshot older than the field (attachments): nothing to compare
            continue
        change = field_diff(field, before.get(field), after.get(field))
        if change:
            out.append(change)
    return out


# ---------------------------------------------------------------- mentions

MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,39})")


def mentioned_usernames(text: str):
    """The @usernames in a comment, each once, in order (trailing dots dropped)."""
    seen: list[str] = []
    for match in MENTION_RE.finditer(text or ""):
        name = match.group(1).rstrip(".-")
        if name and name.lower() not in [s.lower() for s in seen]:
            seen.append(name)
    return seen


_ = date
