"""URL slugs from titles.

:func:`slugify` makes one slug; :class:`UniqueSlugger` hands out slugs that do not collide
with the ones it gave before (``post``, ``post-2``, ``post-3``...).
"""

from slugify.core import DEFAULT_SEPARATOR, slugify, truncate
from slugify.errors import SlugError
from slugify.normalize import transliterate
from slugify.unique import UniqueSlugger

__all__ = ["DEFAULT_SEPARATOR", "SlugError", "UniqueSlugger", "slugify", "transliterate", "truncate"]

__version__ = "0.9.2"
