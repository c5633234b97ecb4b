"""Ranks that order cards in a column without renumbering it.

A rank is a string over an alphabet sorted in byte order; between any two
ranks there is always another, so moving a card rewrites that card only.
"""
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_INDEX = {c: i for i, c in enumerate(DIGITS)}
MIDDLE = DIGITS[BASE // 2]


def _digit(s, i, default):
    return _INDEX[s[i]] if i < len(s) else default


def rank_between(before: str | None, after: str | None) -> str:
    """A rank strictly between ``before`` and ``after`` (either may be None for
    the start or end of the column). Raises ValueError if before >= after, or
    if no rank fits (``after`` is ``before`` followed by zeros)."""
    lo = before or ""
    hi = after
    if hi is not None and lo >= hi:
        raise ValueError(f"rank_between({before!r}, {after!r}): not increasing")
    if any(c not in _INDEX for c in lo + (hi or "")):
        raise ValueError("rank holds a character outside the alphabet")
    if hi is not None and hi.startswith(lo) and not hi[len(lo):].strip(DIGITS[0]):
        # hi is lo followed by zeros: only ranks ending in the lowest digit
        # (which no rank may end in) would fit between them.
        raise ValueError(f"rank_between({before!r}, {after!r}): no rank fits between")
    result = []
    i = 0
    while True:
        a = _digit(lo, i, 0)
        b = _digit(hi, i, BASE) if hi is not None else BASE
        if a == b:
            result.append(DIGITS[a])
            i += 1
            continue
        mid = (a + b) // 2
        if mid > a:
            result.append(DIGITS[mid])
            candidate = "".join(result)
            if candidate > lo and (hi is None or candidate < hi):
                return candidate
            result.pop()
        # No room at this position: keep lo's digit and look one further.
        result.append(DIGITS[a])
        i += 1
        hi = None if b > a + 1 or hi is None else hi
        if hi is not None and i >= len(hi):
            hi = None


def initial_ranks(count: int) -> list[str]:
    """``count`` evenly spread increasing ranks, for seeding a column."""
    ranks, previous = [], None
    width = 1
    while BASE ** width <= count:
        width += 1
    step = BASE ** width // (count + 1)
    for n in range(1, count + 1):
        value = n * step
        digits = []
        for _ in range(width):
            digits.append(DIGITS[value % BASE])
            value //= BASE
        rank = "".join(reversed(digits)).rstrip("0") or "0"
        if previous is not None and rank <= previous:
            rank = rank_between(previous, None)
        ranks.append(rank)
        previous = rank
    return ranks
