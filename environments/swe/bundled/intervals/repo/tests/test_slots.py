from intervals import free_slots


def test_free_slots_between_busy_blocks():
    assert free_slots([(9, 10), (12, 13)], within=(8, 17)) == [(8, 9), (10, 12), (13, 17)]
    assert free_slots([], within=(8, 17)) == [(8, 17)]


def test_busy_blocks_outside_the_range_are_clipped():
    assert free_slots([(6, 9), (16, 20)], within=(8, 17)) == [(9, 16)]
    assert free_slots([(0, 24)], within=(8, 17)) == []


def test_short_slots_are_left_out():
    assert free_slots([(9, 10), (10.25, 12)], within=(9, 13), min_length=0.5) == [(12, 13)]
