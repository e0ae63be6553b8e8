# tradetrace: `make demo` and `make test` work on a fresh machine with python3 and make.
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	./scripts/bootstrap.sh

demo: $(STAMP)
	$(BIN)/tradetrace --workspace out/workspace demo --out out

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -n 2

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/detect.py

clean:
	rm -rf out tradetrace-work .pytest_cache .mypy_cache .ruff_cache
