"""Operations on closed integer intervals given as (start, end) pairs."""


def merge_intervals(intervals):
    """Merge overlapping or touching intervals; the result is sorted by start.

    >>> merge_intervals([(5, 7), (1, 3), (2, 4)])
    [(1, 4), (5, 7)]
    """
    merged = []
    for start, end in sorted(intervals):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
