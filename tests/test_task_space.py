"""TaskSpace: sampling, validation, and the unit-cube encoding curricula rely on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agentgym import Choice, FloatRange, IntRange, TaskSpace, TaskSpaceError

SPACE = TaskSpace({"rooms": IntRange(2, 8, default=4), "noise": FloatRange(0.0, 0.5), "goal": Choice(("brief", "detailed", "none"))})


def test_sample_stays_in_bounds_and_is_reproducible():
    tasks = [SPACE.sample(np.random.default_rng(s)) for s in range(200)]
    assert all(2 <= t["rooms"] <= 8 and 0.0 <= t["noise"] <= 0.5 and t["goal"] in ("brief", "detailed", "none") for t in tasks)
    assert {t["rooms"] for t in tasks} == set(range(2, 9))  # both ends reachable
    assert SPACE.sample(np.random.default_rng(7)) == SPACE.sample(np.random.default_rng(7))


def test_encode_is_in_the_unit_cube_and_decode_inverts_it():
    assert SPACE.dim == 5
    task = {"rooms": 5, "noise": 0.25, "goal": "detailed"}
    vector = SPACE.encode(task)
    np.testing.assert_allclose(vector, [0.5, 0.5, 0.0, 1.0, 0.0])
    assert SPACE.decode(vector) == task
    for seed in range(50):
        sampled = SPACE.sample(np.random.default_rng(seed))
        decoded = SPACE.decode(SPACE.encode(sampled))
        assert decoded["rooms"] == sampled["rooms"] and decoded["goal"] == sampled["goal"]
        assert decoded["noise"] == pytest.approx(sampled["noise"])


def test_decode_clips_and_rounds_vectors_from_anywhere():
    assert SPACE.decode([2.0, -1.0, 0.1, 0.3, 0.2]) == {"rooms": 8, "noise": 0.0, "goal": "detailed"}
    with pytest.raises(TaskSpaceError, match="length 5"):
        SPACE.decode([0.5, 0.5])


def test_validate_fills_defaults_and_refuses_bad_tasks():
    assert SPACE.validate({"goal": "none"}) == {"rooms": 4, "noise": 0.0, "goal": "none"}
    for bad, match in [
        ({"rooms": 9}, r"\[2, 8\]"),
        ({"rooms": 3.5}, "integer"),
        ({"rooms": "3"}, "number"),
        ({"rooms": True}, "number"),
        ({"noise": float("nan")}, "NaN"),
        ({"goal": "long"}, "one of"),
        ({"size": 3}, "unknown"),
        (["rooms"], "mapping"),
    ]:
        with pytest.raises(TaskSpaceError, match=match):
            SPACE.validate(bad)


def test_validate_can_clip():
    assert SPACE.validate({"rooms": 100, "noise": -3}, clip=True) == {"rooms": 8, "noise": 0.0, "goal": "brief"}
    assert SPACE.validate({"rooms": 4.0})["rooms"] == 4 and isinstance(SPACE.validate({"rooms": 4.0})["rooms"], int)


def test_describe_is_json():
    described = json.loads(json.dumps(SPACE.describe()))
    assert described["rooms"] == {"type": "int", "low": 2, "high": 8, "default": 4}
    assert described["goal"]["options"] == ["brief", "detailed", "none"]


def test_malformed_spaces_are_refused():
    for build in (lambda: TaskSpace({}), lambda: IntRange(5, 2), lambda: FloatRange(1.0, 0.0), lambda: Choice(())):
        with pytest.raises(TaskSpaceError):
            build()
