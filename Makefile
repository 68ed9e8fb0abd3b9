# Two commands for a newcomer:  `make main` (set up + run the main job)  and  `make test` (the fast tests).
# `make test-all` runs every test (slow, end-to-end, Ray, emulated ARM boards) after installing what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-ray test-deps main test test-all lint

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
	$(BIN)/python -m pytest -q  # pyproject's addopts: not slow, not e2e, not ray

setup-ray: $(VENV)/.installed-ray

$(VENV)/.installed-ray: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev,ray]'
	touch $@

# The emulated ARM boards' root file systems (debootstrap + qemu-user-static, installed when missing; built once,
# then reused from ${EDGEPARETO_ROOTFS_CACHE:-~/.cache/edgepareto/rootfs}).
test-deps: setup
	bash scripts/build-arm-rootfs.sh arm64 armhf

test-all: setup setup-ray test-deps
	$(BIN)/python -m pytest -q -m ''

# ruff (rules, complexity limits), the formatter's check, and mypy on the package (config in pyproject.toml).
lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
