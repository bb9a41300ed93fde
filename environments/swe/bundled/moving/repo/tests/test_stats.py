import pytest

from rolling import WindowError, exponential_moving_average, moving_average, weighted_moving_average


def test_too_few_values_give_nothing():
    assert moving_average([1, 2], 3) == []
    assert moving_average([], 1) == []


def test_moving_average_checks_its_window():
    with pytest.raises(WindowError, match="at least 1"):
        moving_average([1, 2, 3], 0)


def test_weighted_average_favours_the_newest_values():
    assert weighted_moving_average([1, 2, 3, 4], [1, 3]) == [1.75, 2.75, 3.75]
    with pytest.raises(WindowError, match="positive sum"):
        weighted_moving_average([1, 2], [0, 0])


def test_exponential_average_is_seeded_with_the_first_value():
    assert exponential_moving_average([10, 20, 20], alpha=0.5) == [10.0, 15.0, 17.5]
    assert exponential_moving_average([3, 3], span=3) == [3.0, 3.0]
    with pytest.raises(WindowError, match="exactly one"):
        exponential_moving_average([1], alpha=0.5, span=2)
    with pytest.raises(WindowError, match="alpha"):
        exponential_moving_average([1], alpha=1.5)
