"""Roman numerals: conversion both ways and outline numbering.

The public API is re-exported here; see :mod:`roman.convert` for the conversions and
:mod:`roman.outline` for labelling lists, chapters and pages.
"""

from roman.convert import MAX_VALUE, MIN_VALUE, from_roman, is_roman, to_roman
from roman.errors import InvalidNumeralError, OutOfRangeError, RomanError
from roman.outline import STYLES, format_label, outline_labels, page_labels

__all__ = [
    "MAX_VALUE",
    "MIN_VALUE",
    "STYLES",
    "InvalidNumeralError",
    "OutOfRangeError",
    "RomanError",
    "format_label",
    "from_roman",
    "is_roman",
    "outline_labels",
    "page_labels",
    "to_roman",
]

__version__ = "1.3.0"
