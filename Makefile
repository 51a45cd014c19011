# Two commands for a newcomer: `make run` (console bot on SQLite) and `make test` (everything).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit serve socket upgrade worker bench bench-fanout bench-load bench-matching clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ruilbot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# make run ARGS="--lang en --user someone"
run: $(STAMP)
	$(BIN)/ruilbot console $(ARGS)

test: $(STAMP) lint typecheck
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/ruilbot serve

socket: $(STAMP)
	$(BIN)/ruilbot socket

upgrade: $(STAMP)
	$(BIN)/ruilbot db upgrade

worker: $(STAMP)
	$(BIN)/ruilbot worker

bench: $(STAMP)
	$(BIN)/python bench/engine_bench.py

# A reminder to 5,000 people through the outbox sender and the rate-limited Slack stand-in (~25 s).
bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py $(ARGS)

# make bench-load ARGS="--people 300 --ruilbot before=../old/.venv/bin/ruilbot --ruilbot now=.venv/bin/ruilbot"
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(ARGS)

# Swap matching on synthetic intakes (100, 1,000, 10,000; about two minutes): time, total, proven bound.
bench-matching: $(STAMP)
	$(BIN)/python bench/matching.py $(SIZES)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
