"""Ranks order cards without renumbering: there is always a rank between two."""
import bisect
import random

import pytest

from workflow.domain.ranking import initial_ranks, rank_between


def _strictly_between(rank, before, after):
    return (before is None or before < rank) and (after is None or rank < after)


def _strictly_increasing(ranks):
    return all(a < b for a, b in zip(ranks, ranks[1:], strict=False))


def test_rank_between_nothing_is_a_non_empty_rank():
    assert rank_between(None, None) != ""


@pytest.mark.parametrize("after", ["1", "V", "z", "01", "zzz"])
def test_rank_before_the_first_is_below_it(after):
    assert _strictly_between(rank_between(None, after), None, after)


@pytest.mark.parametrize("before", ["0V", "1", "V", "z", "zzz"])
def test_rank_after_the_last_is_above_it(before):
    assert _strictly_between(rank_between(before, None), before, None)


@pytest.mark.parametrize("before, after", [("1", "2"), ("V", "W"), ("y", "z"), ("V", "V1"),
                                           ("1z", "2"), ("1Z", "20"), ("a", "b0z"), ("V", "Vz")])
def test_rank_between_adjacent_ranks_is_strictly_between(before, after):
    assert _strictly_between(rank_between(before, after), before, after)


@pytest.mark.parametrize("before, after", [("V", "V"), ("W", "V"), ("b", "a1")])
def test_rank_between_non_increasing_bounds_raises(before, after):
    with pytest.raises(ValueError):
        rank_between(before, after)


@pytest.mark.parametrize("before, after", [(None, "0"), ("1", "10"), ("V", "V00")])
def test_rank_between_a_rank_and_itself_followed_by_zeros_raises(before, after):
    # Only ranks ending in "0" could fit there, and none may end in "0".
    with pytest.raises(ValueError):
        rank_between(before, after)


def test_rank_outside_the_alphabet_raises():
    with pytest.raises(ValueError):
        rank_between("a-b", None)


def test_rank_between_never_ends_in_the_lowest_digit():
    rng = random.Random(7)
    ranks = [rank_between(None, None)]
    for _ in range(500):
        i = rng.randint(0, len(ranks))
        rank = rank_between(ranks[i - 1] if i else None, ranks[i] if i < len(ranks) else None)
        assert not rank.endswith("0")
        ranks.insert(i, rank)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_insertions_keep_the_column_strictly_increasing(seed):
    rng = random.Random(seed)
    ranks = []
    for _ in range(3000):
        i = rng.randint(0, len(ranks))
        before = ranks[i - 1] if i else None
        after = ranks[i] if i < len(ranks) else None
        rank = rank_between(before, after)
        assert _strictly_between(rank, before, after)
        ranks.insert(i, rank)
    assert _strictly_increasing(ranks)
    assert len(set(ranks)) == len(ranks)


def test_random_insertions_between_initial_ranks_keep_sorted_order():
    rng = random.Random(42)
    ranks = initial_ranks(20)
    for _ in range(2000):
        i = rng.randint(0, len(ranks))
        rank = rank_between(ranks[i - 1] if i else None, ranks[i] if i < len(ranks) else None)
        assert bisect.bisect_left(ranks, rank) == i
        ranks.insert(i, rank)
    assert _strictly_increasing(ranks)


def test_repeated_insertion_at_the_top_stays_strictly_increasing():
    ranks = [rank_between(None, None)]
    for _ in range(1000):
        ranks.insert(0, rank_between(None, ranks[0]))
    assert _strictly_increasing(ranks)


def test_repeated_insertion_at_the_bottom_stays_strictly_increasing():
    ranks = [rank_between(None, None)]
    for _ in range(1000):
        ranks.append(rank_between(ranks[-1], None))
    assert _strictly_increasing(ranks)


def test_repeated_insertion_just_after_the_same_card_stays_strictly_increasing():
    ranks = ["V", "W"]
    for _ in range(500):
        ranks.insert(1, rank_between(ranks[0], ranks[1]))
    assert _strictly_increasing(ranks)


@pytest.mark.parametrize("count", [1, 2, 10, 61, 62, 63, 500, 4000])
def test_initial_ranks_gives_count_strictly_increasing_ranks(count):
    ranks = initial_ranks(count)
    assert len(ranks) == count
    assert _strictly_increasing(ranks)


@pytest.mark.parametrize("count", [1, 61, 62, 500])
def test_initial_ranks_leave_room_before_after_and_between(count):
    ranks = initial_ranks(count)
    bounds = [None, *ranks, None]
    for before, after in zip(bounds, bounds[1:], strict=False):
        assert _strictly_between(rank_between(before, after), before, after)


def test_initial_ranks_of_zero_is_empty():
    assert initial_ranks(0) == []
