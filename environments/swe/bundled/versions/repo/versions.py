"""Compare dotted version strings such as 1.10.2."""


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as version `a` is older than, equal to or newer than `b`."""
    left, right = a.split("."), b.split(".")
    return (left > right) - (left < right)
