"""Reading dates people type: ISO dates, "1 Mar 2024", "March 1, 2024", "today"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .errors import CalendarError

# Tried in order; the first that matches wins. Day-first numeric forms such as
# 01/03/2024 are left out on purpose: they mean different days in different countries.
_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")
_RELATIVE = {"yesterday": -1, "today": 0, "tomorrow": 1}


def parse_date(text: str, *, today: date | None = None) -> date:
    """The date written in ``text``.

    Accepts ``2024-03-01``, ``2024/03/01``, ``1 Mar 2024``, ``1 March 2024``,
    ``Mar 1, 2024``, ``March 1, 2024`` and the words ``yesterday``, ``today`` and
    ``tomorrow`` (relative to ``today``, the current date unless given). Case and
    surrounding spaces do not matter.

        >>> parse_date("March 1, 2024")
        datetime.date(2024, 3, 1)
        >>> parse_date("tomorrow", today=date(2024, 2, 28))
        datetime.date(2024, 2, 29)
    """
    cleaned = " ".join(text.split())
    if cleaned.lower() in _RELATIVE:
        return (today or date.today()) + timedelta(days=_RELATIVE[cleaned.lower()])
    for pattern in _FORMATS:
        try:
            return datetime.strptime(cleaned.title(), pattern).date()
        except ValueError:
            continue
    raise CalendarError(
        f"cannot read {text!r} as a date; write it like 2024-03-01, '1 Mar 2024' or 'March 1, 2024'"
    )
