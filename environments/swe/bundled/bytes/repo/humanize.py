"""Human-readable sizes."""

_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"]


def format_bytes(size: int) -> str:
    """`size` in the largest binary unit that keeps the number at least 1, one decimal."""
    value = float(size)
    for unit in _UNITS[:-1]:
        if value <= 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {_UNITS[-1]}"
