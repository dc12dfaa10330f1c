# cib — two commands do all the set-up on a fresh clone: `make analyse` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTION ?= data/raw/sample
SAMPLE_POSTS ?= 50000
SAMPLE_SEED ?= 42
PYTEST_ARGS ?=

.PHONY: analyse test bench lint clean sample

# The venv is (re)installed when it is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,spark,paraphrase]"
	# an editable install leaves cib uncompiled; with PYTHONDONTWRITEBYTECODE every run would compile it again
	$(BIN)/python -m compileall -q cib
	touch $(STAMP)

data/raw/sample/truth.parquet: | $(STAMP)
	$(BIN)/cib synth data/raw/sample --posts $(SAMPLE_POSTS) --seed $(SAMPLE_SEED)

sample: data/raw/sample/truth.parquet

analyse: $(STAMP) $(if $(filter data/raw/sample,$(COLLECTION)),data/raw/sample/truth.parquet)
	$(BIN)/cib analyse $(COLLECTION)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check cib tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
	find data/processed reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
