"""Layered configuration: defaults overridden by user settings."""


def deep_merge(base: dict, override: dict) -> dict:
    """A new dict: `base` with `override` applied; nested dicts are merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        merged[key] = value
    return merged
