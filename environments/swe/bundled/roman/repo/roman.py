"""Roman numerals."""

_VALUES = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]


def to_roman(number: int) -> str:
    """The standard Roman numeral for 1 <= number <= 3999 (4 is IV, 9 is IX, 40 is XL...)."""
    if not 1 <= number <= 3999:
        raise ValueError("Roman numerals cover 1 to 3999")
    out = []
    for value, letters in _VALUES:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
