from versions import compare_versions


def test_single_digit_components():
    assert compare_versions("1.2", "1.3") == -1 and compare_versions("2.0", "1.9") == 1
    assert compare_versions("1.4.1", "1.4.1") == 0
