"""A third-party env package, really installed: entry-point discovery, make, check_env, `agentgym run`.

The plugin's code is the README's example env, so the README stays true. It is built and
installed with pip into a temporary directory put on PYTHONPATH of fresh processes, so
discovery runs exactly as it does for a user's package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    """The env the README shows (the code block after the ``example:guess-env`` marker)."""
    text = README.read_text()
    block = text[text.index("<!-- example:guess-env -->"):]
    return block[block.index("```python\n") + len("```python\n"):block.index("```\n", 10)]


AUTOREGISTER = '''
import agentgym

agentgym.register("guess/big-v0", entry_point="guessplug:GuessEnv", kwargs={"high": 99}, max_episode_steps=20)
'''

PYPROJECT = '''
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "agentgym-guessplug"
version = "0.1.0"

[project.entry-points."agentgym.envs"]
guess = "guessplug:register"
guess-big = "guessplug.autoregister"
broken = "guessplug_does_not_exist:register"

[tool.setuptools]
packages = ["guessplug"]
'''


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("plugin-src")
    (src / "guessplug").mkdir()
    (src / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (src / "guessplug" / "__init__.py").write_text(readme_example())
    (src / "guessplug" / "autoregister.py").write_text(AUTOREGISTER)
    site = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(site), str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return site


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


@pytest.mark.slow
def test_plugin_envs_are_discovered_made_and_checked(plugin_site):
    code = textwrap.dedent(
        """
        import json, agentgym
        ids = agentgym.list_envs("guess/*")
        env = agentgym.make("guess/number-v0")
        warnings = agentgym.check_env(env)
        big = agentgym.make("guess/big-v0")
        _, info = big.reset(seed=1)
        from agentgym.registry import registry
        print(json.dumps({"ids": ids, "big_actions": len(info["admissible_actions"]),
                          "errors": list(registry.plugin_errors)}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=_env(plugin_site), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ids"] == ["guess/big-v0", "guess/number-v0"]  # callable and module entry points
    assert result["big_actions"] == 99  # the module form registered its kwargs
    assert any("broken" in name for name in result["errors"])  # the broken plugin is recorded, not fatal


@pytest.mark.slow
def test_agentgym_run_works_on_a_plugin_env(plugin_site, tmp_path):
    agentgym_cli = Path(sys.executable).with_name("agentgym")
    out = subprocess.run(
        [str(agentgym_cli), "run", "guess/number-v0", "--policy", "random", "--episodes", "4", "--seed", "3", "--out", str(tmp_path / "run")],
        env=_env(plugin_site), capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["env"] == "guess/number-v0" and summary["episodes"] == 4
    envs = subprocess.run([str(agentgym_cli), "envs", "guess"], env=_env(plugin_site), capture_output=True, text=True, timeout=120)
    assert "guess/number-v0" in envs.stdout and "broken" in envs.stdout
