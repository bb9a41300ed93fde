# Two entry points, both self-installing: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast test-gpu bench clean

install: $(STAMP)

# torch first, pinned: 2.13.0 is the CPU wheel; an unpinned torch pulled in by another
# package would download a multi-GB CUDA build.
$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

# The main job: a small model built offline learns TextWorld games (SFT, then RL) and is
# evaluated on held-out games; results in runs/demo/summary.json. A re-run starts afresh.
demo: install
	$(BIN)/agentgym train configs/demo.toml --overwrite

# pytest exits 5 when it collects no test (e.g. a -k that matches nothing): not a failure.
PYTEST = $(BIN)/python -m pytest
RUN_PYTEST = rc=0; $(PYTEST) $(1) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

test: install
	$(call RUN_PYTEST,-m "not gpu")

test-fast: install
	$(call RUN_PYTEST,-m "not gpu and not slow and not docker and not java")

# The `gpu` tests (vLLM, CUDA training) on a machine with a CUDA GPU, in a venv of their own:
# vLLM brings the CUDA torch build it was made for, which must not replace the CPU one above.
GPU_VENV ?= .venv-gpu
test-gpu:
	$(PYTHON) -m venv $(GPU_VENV)
	$(GPU_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GPU_VENV)/bin/python -m pip install --quiet -e '.[vllm,hf,train,dev]'
	$(GPU_VENV)/bin/python -m pytest -m gpu $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(GPU_VENV) runs .pytest_cache
