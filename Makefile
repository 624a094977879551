# landrelease — two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck contracts sysdeps bench bench-decisions bench-fuzz architecture clean help

help:
	@echo "make demo   set up everything and run the main job on the built-in scenario"
	@echo "make test   run the whole test suite (lint, types, tests; starts a throwaway PostGIS)"
	@echo "make bench  print the benchmarks (import, scenario, risk, decisions, the land-release loop, plan, API; tens of minutes)"
	@echo "make bench-decisions  the decisions against the truth: 10 generated worlds and Antioquia's real outcomes (minutes)"
	@echo "make bench-fuzz  10,000 mutated packages per format through the importer: crashes, partial writes, hangs, peak memory (minutes)"
	@echo "make architecture  print the structure's figures (layer reads in the demo, SQL outside the store, cycles, long functions)"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

sysdeps:
	@bash scripts/system-deps.sh || true

demo: $(STAMP) sysdeps
	$(BIN)/landrelease demo

lint: $(STAMP)
	$(BIN)/ruff check landrelease tests benchmarks scripts
	$(BIN)/ruff format --check landrelease tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports --no-cache

test: $(STAMP) sysdeps lint typecheck contracts
	bash scripts/run-tests.sh

bench: $(STAMP) sysdeps
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/scenario_bench.py
	$(BIN)/python benchmarks/risk_bench.py --scale district --seeds 101
	$(BIN)/python benchmarks/decisions_bench.py
	$(BIN)/python benchmarks/survey_loop_bench.py
	$(BIN)/python benchmarks/plan_bench.py
	$(BIN)/python benchmarks/api_bench.py --seconds 20

bench-decisions: $(STAMP)
	$(BIN)/python benchmarks/decisions_bench.py

bench-fuzz: $(STAMP)
	$(BIN)/python benchmarks/fuzz_bench.py

architecture: $(STAMP)
	$(BIN)/python scripts/architecture.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache demo-output
