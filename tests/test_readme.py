"""The README's promises that code can check."""

from __future__ import annotations

from pathlib import Path

from agentgym.info import info_table_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_readme_opens_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    first_block = text[text.index("```bash") : text.index("```", text.index("```bash") + 3)]
    assert "make demo" in first_block and "make test" in first_block
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndemo:" in makefile and "\ntest:" in makefile and "torch==2.13.0" in makefile and ".[all,dev]" in makefile


def test_readme_info_key_table_is_the_code_table():
    text = (ROOT / "README.md").read_text()
    table = text[text.index("<!-- info-keys:start -->") + len("<!-- info-keys:start -->") : text.index("<!-- info-keys:end -->")]
    assert table.strip() == info_table_markdown()


def test_every_shipped_config_loads():
    import agentgym
    from agentgym.config import load_toml
    from agentgym.train import load_train_config

    load_train_config(ROOT / "configs" / "demo.toml")  # validates the env id and every key
    agentgym.spec(load_toml(ROOT / "configs" / "toy-run.toml")["env"])


def test_readme_training_section_names_every_algorithm_and_config_section():
    import dataclasses

    import agentgym.algos
    from agentgym.train.config import ALGOS, TrainConfig

    text = (ROOT / "README.md").read_text()
    training = text[text.index("## Training"):text.index("\n## ", text.index("## Training") + 3)]
    for algo in ALGOS:
        assert f"`{algo}`" in training, algo
    sections = [f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("name", "out_dir", "seed")]
    assert sections == ["env", "model", "sft", "rl", "gra", "epo", "igpo", "herl", "curriculum", "teacher", "eval", "log"]
    for section in sections:
        assert f"`[{section}]`" in training, section
    named = {word.split("(")[0].strip("`") for word in training.split() if word.startswith("`") and "(" in word}
    assert named == set(agentgym.algos.__all__) - {"check_finite"}  # every public function, and only real ones
