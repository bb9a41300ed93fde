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


def test_demo_config_names_a_registered_env():
    import agentgym
    from agentgym.config import load_toml

    config = load_toml(ROOT / "configs" / "demo.toml")
    agentgym.spec(config["env"])
