"""Numbering of outlines, chapters and pages.

Documents mix numbering styles: front matter is paged ``i, ii, iii``, chapters are ``I, II,
III``, appendices ``A, B, C``. :func:`format_label` writes one number in a style;
:func:`outline_labels` and :func:`page_labels` number whole sequences.
"""

from __future__ import annotations

from typing import Iterable

from roman.convert import to_roman

STYLES = ("upper", "lower", "decimal", "alpha")


def _alpha(number: int) -> str:
    """Spreadsheet-style letters: 1 -> A, 26 -> Z, 27 -> AA, 28 -> AB."""
    if number < 1:
        raise ValueError(f"alphabetic labels start at 1; got {number}")
    letters = []
    while number:
        number, rest = divmod(number - 1, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(reversed(letters))


def format_label(number: int, style: str = "upper") -> str:
    """``number`` written in ``style``: one of :data:`STYLES`.

    >>> [format_label(3, s) for s in STYLES]
    ['III', 'iii', '3', 'C']
    """
    if style == "upper":
        return to_roman(number)
    if style == "lower":
        return to_roman(number, lowercase=True)
    if style == "decimal":
        return str(number)
    if style == "alpha":
        return _alpha(number)
    raise ValueError(f"unknown numbering style {style!r}; use one of {', '.join(STYLES)}")


def outline_labels(titles: Iterable[str], style: str = "upper", start: int = 1, suffix: str = ".") -> list[str]:
    """Each title prefixed with its number: ``["I. Scope", "II. Terms", ...]``.

    Args:
        titles: the headings, in order.
        style: the numbering style (see :func:`format_label`).
        start: the number of the first heading, for outlines continued from an earlier part.
        suffix: written right after each number.
    """
    return [f"{format_label(number, style)}{suffix} {title}" for number, title in enumerate(titles, start)]


def page_labels(front_matter: int, body: int) -> list[str]:
    """Page labels of a book: lower-case numerals for the front matter, then 1, 2, 3...

    The body restarts at 1, as printed books do.

    >>> page_labels(3, 2)
    ['i', 'ii', 'iii', '1', '2']
    """
    if front_matter < 0 or body < 0:
        raise ValueError(f"page counts cannot be negative; got {front_matter} and {body}")
    front = [format_label(n, "lower") for n in range(1, front_matter + 1)]
    return front + [format_label(n, "decimal") for n in range(1, body + 1)]
