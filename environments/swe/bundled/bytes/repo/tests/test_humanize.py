import pytest

from humanize import HumanizeError, format_bytes, parse_bytes


def test_small_and_large_sizes():
    assert format_bytes(512) == "512.0 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 * 1024**3) == "5.0 GiB"


def test_si_units_and_precision():
    assert format_bytes(1500, binary=False) == "1.5 kB"
    assert format_bytes(2_500_000, binary=False, precision=2) == "2.50 MB"
    assert format_bytes(-2048 * 3, precision=0) == "-6 KiB"


def test_sizes_past_the_largest_unit_stay_in_it():
    assert format_bytes(3 * 1024**6) == "3072.0 PiB"


def test_parse_bytes_reads_units_in_any_case():
    assert parse_bytes("1.5 KiB") == 1536
    assert parse_bytes("20MB") == 20_000_000
    assert parse_bytes("0.1 mb") == 100_000
    assert parse_bytes(" 512 ") == 512


def test_bad_input_says_what_was_wrong():
    with pytest.raises(HumanizeError, match="unknown size unit 'XB'"):
        parse_bytes("3 XB")
    with pytest.raises(HumanizeError, match="cannot read"):
        parse_bytes("lots")
    with pytest.raises(HumanizeError, match="whole number of bytes"):
        format_bytes(1.5)
