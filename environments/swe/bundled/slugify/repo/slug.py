"""Turn titles into URL slugs."""

import re


def slugify(title: str) -> str:
    """Lower-case ASCII words joined by single dashes: "Hello, World!" -> "hello-world"."""
    return re.sub(r"[^a-z0-9]", "-", title.lower())
