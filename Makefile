# Two entry points for a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint

# $(VENV)/installed-EXTRA: vrpsolve installed (editable) with that extra: `all` for the demo,
# `dev` (all, plus the test and lint tools) for the tests.
$(VENV)/installed-%: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: this version resolves to a CPU-only build (no CUDA downloads)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[$*]'
	# compile the GA's numba kernels into the per-user cache now, not inside a first solve
	$(BIN)/vrpsolve warmup
	touch $@

setup: $(VENV)/installed-dev

demo: $(VENV)/installed-all
	$(BIN)/vrpsolve solve instances/cvrp/X-n101-k25.vrp --solver pyvrp --time-limit 10

test: $(VENV)/installed-dev
	$(BIN)/ruff check vrpsolve cli tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(VENV)/installed-dev
	$(BIN)/ruff check vrpsolve cli tests benchmarks
	$(BIN)/mypy
