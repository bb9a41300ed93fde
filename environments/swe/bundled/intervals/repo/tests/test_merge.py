import pytest

from intervals import InvalidIntervalError, contains, intersect, merge_intervals, total_length


def test_overlapping_intervals_merge():
    assert merge_intervals([(5, 7), (1, 3), (2, 4)]) == [(1, 4), (5, 7)]
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]


def test_disjoint_intervals_are_kept():
    assert merge_intervals([(1, 2), (4, 5)]) == [(1, 2), (4, 5)]
    assert merge_intervals([]) == []


def test_total_length_counts_overlaps_once():
    assert total_length([(0, 10), (5, 15), (20, 25)]) == 20
    assert total_length([(1.5, 2.5)]) == 1.0


def test_reversed_or_malformed_intervals_are_rejected():
    with pytest.raises(InvalidIntervalError, match="ends before it starts"):
        merge_intervals([(1, 2), (5, 4)])
    with pytest.raises(InvalidIntervalError, match="pair"):
        total_length([(1, 2, 3)])
    with pytest.raises(ValueError):
        contains([("a", "b")], 1)


def test_contains_and_intersect_include_the_ends():
    assert contains([(1, 3), (7, 9)], 3) and not contains([(1, 3), (7, 9)], 5)
    assert intersect((1, 5), (4, 8)) == (4, 5)
    assert intersect((1, 3), (3, 5)) == (3, 3)
    assert intersect((1, 2), (4, 5)) is None
