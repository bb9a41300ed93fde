from humanize import format_bytes


def test_small_and_large_sizes():
    assert format_bytes(512) == "512.0 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 * 1024**3) == "5.0 GiB"
