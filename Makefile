# Zhangjiang task runner. `make run` sets up and serves the demo; `make test` runs the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DB ?= zhangjiang.duckdb
PORT ?= 8000

.PHONY: run test lint fix bench demo clean

# Running needs only the package's own dependencies; the test tools come with `make test`.
# pip prints its progress; --no-compile skips byte-compiling every installed module
# (Python compiles what it imports on first use).
$(STAMP): pyproject.toml
	@echo "== 1/3 venv $(VENV) (安装运行所需的包 / installing what running needs)"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --no-compile -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "== 测试工具 / installing the test tools"
	$(BIN)/pip install --disable-pip-version-check -e '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)
	@echo "== 2/3 示例数据 / building the synthetic demo store $(DB)"
	rm -rf $(DB) $(DB).wal $(DB).files $(DB).snapshot.json demo-data
	$(BIN)/zhangjiang --db $(DB) demo --out demo-data

# The demo store is built once; a store already at $(DB) (the demo, or your own data) is
# served as it is, never deleted. `make demo` rebuilds the demo store.
run: $(STAMP)
	@if [ -e $(DB) ]; then \
		echo "== 2/3 使用已有数据库 / using the existing store $(DB) (make demo rebuilds the demo)"; \
	else \
		$(MAKE) --no-print-directory demo; \
	fi
	@echo "== 3/3 看板 / serving http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	@if $(BIN)/zhangjiang serve --help >/dev/null 2>&1; then \
		$(BIN)/zhangjiang --db $(DB) serve --port $(PORT); \
	else \
		$(BIN)/zhangjiang --db $(DB) report --period 2022 --format md 2>/dev/null || \
		$(BIN)/zhangjiang --db $(DB) indicators --period 2022; \
	fi

test: $(TEST_STAMP)
	$(BIN)/pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

fix: $(TEST_STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(DB).files $(DB).snapshot.json demo-data out
