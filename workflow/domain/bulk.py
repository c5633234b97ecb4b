"""What a bulk action over a selection of cards is: its actions, how a list of labels or
assignees is combined with each card's, and how many cards one call may take."""

MOVE, ASSIGN, LABEL, DUE, ARCHIVE, TRASH, RESTORE = "move", "assign", "label", "due", "archive", "trash", "restore"
ACTIONS = (MOVE, ASSIGN, LABEL, DUE, ARCHIVE, TRASH, RESTORE)
ADD, REMOVE, SET = "add", "remove", "set"
MODES = (ADD, REMOVE, SET)
MAX_ITEMS = 200


def merged(current, values, mode):
    """A card's list (labels, usernames) after ``mode``: ``add`` ``values`` (kept in order, no
    repeats), ``remove`` them, or ``set`` the list to them."""
    if mode == SET:
        return list(dict.fromkeys(values))
    if mode == REMOVE:
        return [v for v in current if v not in values]
    return list(dict.fromkeys([*current, *values]))
