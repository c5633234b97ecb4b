"""Labels and due dates as the rules see them: the accessible palette a label's
colour comes from (each background with a text colour that reads on it at 4.5:1
or better, WCAG AA), and when a due date makes a card overdue or due soon."""
from datetime import timedelta

from .errors import N_
from .states import APPROVED, ARCHIVED, PUBLISHED, REJECTED, SCHEDULED

# key → (background, text, name). The key is what the API and the database hold;
# static/css/board.css has one class per key with the same two colours (a test checks).
PALETTE = {
    "green": ("#15803d", "#ffffff", N_("green")),
    "yellow": ("#fde047", "#1f2937", N_("yellow")),
    "orange": ("#c2410c", "#ffffff", N_("orange")),
    "red": ("#b91c1c", "#ffffff", N_("red")),
    "purple": ("#7e22ce", "#ffffff", N_("purple")),
    "blue": ("#1d4ed8", "#ffffff", N_("blue")),
    "sky": ("#bae6fd", "#0c4a6e", N_("sky blue")),
    "teal": ("#0f766e", "#ffffff", N_("teal")),
    "pink": ("#be185d", "#ffffff", N_("pink")),
    "gray": ("#4b5563", "#ffffff", N_("grey")),
}
COLORS = tuple(PALETTE)
MIN_CONTRAST = 4.5
MAX_NAME = 40


def first_free_color(used):
    """The first colour of the palette no label in ``used`` has yet (round again when all are)."""
    used = list(used)
    for color in COLORS:
        if color not in used:
            return color
    return COLORS[len(used) % len(COLORS)]


def _channel(c):
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_color):
    """The relative luminance of an sRGB colour ``#rrggbb`` (WCAG 2.x)."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a, b):
    """The contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# ---------------------------------------------------------------- due dates

# A due date ("à préparer pour le …") is the day the item must be ready: once approved
# (or further on, or dropped) it no longer is late.
DUE_DONE_STATES = (APPROVED, SCHEDULED, PUBLISHED, ARCHIVED, REJECTED)
DUE_SOON = timedelta(days=2)
OVERDUE = "overdue"
DUE_SOON_MARK = "due_soon"


def due_status(due_at, state, now):
    """``"overdue"``, ``"due_soon"`` (within DUE_SOON) or None for an item due at
    ``due_at`` (aware datetime or None) in ``state`` at ``now``."""
    if due_at is None or state in DUE_DONE_STATES:
        return None
    if due_at <= now:
        return OVERDUE
    if due_at - now <= DUE_SOON:
        return DUE_SOON_MARK
    return None
