from intervals import merge_intervals


def test_overlapping_intervals_merge():
    assert merge_intervals([(5, 7), (1, 3), (2, 4)]) == [(1, 4), (5, 7)]


def test_disjoint_intervals_are_kept():
    assert merge_intervals([(1, 2), (4, 5)]) == [(1, 2), (4, 5)]
    assert merge_intervals([]) == []
