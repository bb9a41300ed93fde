"""Release version numbers: parsing, ordering and specifier matching.

:func:`parse_version` turns text into a :class:`Version`; :mod:`versions.compare` orders
versions; :mod:`versions.specifiers` checks them against ranges like ``>=1.2,<2``.
"""

from versions.compare import compare_versions, latest, sort_key, sort_versions
from versions.errors import InvalidSpecifierError, InvalidVersionError, VersionError
from versions.parse import Version, parse_version
from versions.specifiers import satisfies

__all__ = [
    "InvalidSpecifierError",
    "InvalidVersionError",
    "Version",
    "VersionError",
    "compare_versions",
    "latest",
    "parse_version",
    "satisfies",
    "sort_key",
    "sort_versions",
]

__version__ = "2.1.0"
