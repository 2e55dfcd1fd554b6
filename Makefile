# Steady: the two promises are `make demo` (a working clinic on the embedded default) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint format css lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	@PY=$$(scripts/find_python.sh) && echo "Using $$PY" && { [ -x $(BIN)/python ] || "$$PY" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

demo: install
	scripts/demo.sh

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

css:
	scripts/build_css.sh

# Re-resolve the exact pins from requirements*.in (needs the network).
lock:
	@PY=$$(scripts/find_python.sh) && rm -rf /tmp/steady-lock && "$$PY" -m venv /tmp/steady-lock
	/tmp/steady-lock/bin/pip install --quiet --upgrade pip
	/tmp/steady-lock/bin/pip install --quiet --dry-run --ignore-installed --report /tmp/steady-lock/app.json -r requirements.in
	/tmp/steady-lock/bin/pip install --quiet --dry-run --ignore-installed --report /tmp/steady-lock/dev.json -r requirements-dev.in
	/tmp/steady-lock/bin/python scripts/pins_from_report.py /tmp/steady-lock/app.json > requirements.txt
	/tmp/steady-lock/bin/python scripts/pins_from_report.py /tmp/steady-lock/dev.json > requirements-dev.txt

clean:
	rm -rf var staticfiles test-artifacts
