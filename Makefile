# Two commands: `make run` and `make test`. Both create or reuse .venv from requirements.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test fuzz bench golden docs screenshots messages clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.headless true --server.address 127.0.0.1 \
	  --server.port $(PORT) --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/python -m pytest

# The fuzz suite at length (`make test` runs a bounded subset: FUZZ_EXAMPLES=8).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/test_fuzz.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# N groups (default a million) on a local Dask cluster of 2 workers; long: about N / 1,000 s.
bench-dask: $(STAMP)
	$(BIN)/python benchmarks/bench_dask.py $(or $(N),1000000)

# Regenerate the golden CSVs on purpose (never done by `make test`).
golden: $(STAMP)
	$(BIN)/python -m pytest tests/test_golden.py --regen-golden

# Regenerate the provenance tables and the scenario format in docs/ from the presets and models.
docs: $(STAMP)
	$(BIN)/python -m engine.provenance_docs
	$(BIN)/python -m engine.schema_docs

# Retake docs/screenshots with the browser tests (needs Debian's chromium).
screenshots: $(STAMP)
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py tests/test_browser_bangla.py

# Extract the translatable strings (t, tn, N_) and merge them into the Bangla catalogues:
# ui/ and app.py into the `app` domain, engine/ into `engine`. Then translate the new entries.
EXTRACT := $(BIN)/pybabel -q extract -F babel.cfg -k t -k tn:1,2 -k N_ --no-location --sort-output
messages: $(STAMP)
	$(EXTRACT) -o $(VENV)/app.pot ui app.py
	$(EXTRACT) -o $(VENV)/engine.pot engine
	$(BIN)/pybabel -q update -i $(VENV)/app.pot -d engine/locales -D app -l bn --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel -q update -i $(VENV)/engine.pot -d engine/locales -D engine -l bn --ignore-obsolete --no-fuzzy-matching

clean:
	rm -rf $(VENV) *.egg-info
