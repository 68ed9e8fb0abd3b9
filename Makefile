# Two commands for a newcomer:  `make main` (set up + run the main job)  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-ray main test test-all lint

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

main: setup
	$(BIN)/edgepareto sweep

test: setup
	$(BIN)/python -m pytest -q

setup-ray: $(VENV)/.installed-ray

$(VENV)/.installed-ray: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev,ray]'
	touch $@

test-all: setup setup-ray
	$(BIN)/python -m pytest -q -m ''

lint: setup
	$(BIN)/ruff check src tests benchmarks
