# Zhangjiang task runner. `make run` sets up and serves the demo; `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= zhangjiang.duckdb
PORT ?= 8000

.PHONY: run test lint fix bench demo clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DB) $(DB).wal $(DB).files $(DB).snapshot.json demo-data
	$(BIN)/zhangjiang --db $(DB) demo --out demo-data

run: demo
	@if $(BIN)/zhangjiang serve --help >/dev/null 2>&1; then \
		$(BIN)/zhangjiang --db $(DB) serve --port $(PORT); \
	else \
		$(BIN)/zhangjiang --db $(DB) report --period 2022 --format md 2>/dev/null || \
		$(BIN)/zhangjiang --db $(DB) indicators --period 2022; \
	fi

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

fix: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(DB).files $(DB).snapshot.json demo-data out
