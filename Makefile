# Two entry points, both self-installing: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast bench clean

install: $(STAMP)

# torch first, pinned: 2.13.0 is the CPU wheel; an unpinned torch pulled in by another
# package would download a multi-GB CUDA build.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

demo: install
	$(BIN)/agentgym run --config configs/demo.toml --policy random --out runs/demo-random
	$(BIN)/agentgym run --config configs/demo.toml --policy expert --out runs/demo-expert

test: install
	$(BIN)/python -m pytest -m "not gpu" $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not gpu and not slow and not docker and not java" $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) runs .pytest_cache
