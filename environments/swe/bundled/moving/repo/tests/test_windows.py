import pytest

from rolling import SeriesError, WindowError, moving_max, moving_median, moving_min, sliding_windows


def test_windows_slide_one_value_at_a_time():
    assert list(sliding_windows([1, 2, 3, 4], 3)) == [(1, 2, 3), (2, 3, 4)]
    assert list(sliding_windows([1, 2], 2)) == [(1, 2)]
    assert list(sliding_windows([1, 2], 5)) == []


def test_median_min_and_max_of_each_window():
    assert moving_median([3, 1, 2, 5], 3) == [2, 2]
    assert moving_median([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]
    assert moving_min([4, 2, 5, 1], 2) == [2, 2, 1]
    assert moving_max([4, 2, 5, 1], 2) == [4, 5, 5]


def test_bad_windows_and_values_are_rejected():
    for window in (0, -1, 1.5, True):
        with pytest.raises(WindowError):
            list(sliding_windows([1, 2], window))
    with pytest.raises(SeriesError, match="value 1 is not a number"):
        moving_max([1, "2"], 1)
