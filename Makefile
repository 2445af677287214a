# The two set-up commands of the README: `make serve` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: serve test lint build validate bench clean

$(BIN)/publisher: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the data and serve it on http://127.0.0.1:8080/ (embedded store, no external service).
serve: $(BIN)/publisher
	sh tools/build-editor.sh
	$(BIN)/publisher build
	$(BIN)/publisher serve

## Run the whole test suite: installs Chromium for the browser tests, then ruff and pytest.
test: $(BIN)/publisher
	sh tools/install-test-dependencies.sh
	$(BIN)/ruff check .
	$(BIN)/pytest

validate: $(BIN)/publisher
	$(BIN)/publisher validate

build: $(BIN)/publisher
	$(BIN)/publisher build

## Benchmarks (not tests): need Debian's wrk; figures go into BENCHMARKS.md.
bench: $(BIN)/publisher
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/bench_linked_data.py --triples 10000
	$(BIN)/python bench/bench_sparql.py --sizes 10000

clean:
	rm -rf build test-artifacts
