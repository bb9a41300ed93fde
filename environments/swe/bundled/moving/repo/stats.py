"""Small statistics helpers."""


def moving_average(values, window: int):
    """The mean of every run of `window` consecutive values, in order (empty if too few values)."""
    if window < 1:
        raise ValueError("window must be at least 1")
    return [sum(values[i:i + window]) / window for i in range(len(values) - window)]
