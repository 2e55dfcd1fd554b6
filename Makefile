# Steady: the two promises are `make demo` (a working clinic on the embedded default) and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
APPS := accounts clinics config demo guidance modules notifications outcomes reports

.PHONY: install node-deps demo test lint format css lock clean security audit-deps audit-pins bench bench-smoke chaos

install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	@PY=$$(scripts/find_python.sh) && echo "Using $$PY" && { [ -x $(BIN)/python ] || "$$PY" -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

demo: install
	scripts/demo.sh

# Browser tests check every page with axe-core from npm (package-lock.json pins it).
node-deps: node_modules/.installed

node_modules/.installed: package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the browser tests' axe-core (Debian: apt install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: install node-deps
	$(BIN)/pytest

# Fault tests with real processes on loopback (their own PostgreSQL and Redis): tests/chaos.
chaos: install
	STEADY_CHAOS=1 $(BIN)/pytest -p no:randomly tests/chaos

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

css:
	scripts/build_css.sh

# Static analysis of Steady's own code: any high-severity bandit finding fails (CI runs this).
security: install
	$(BIN)/bandit -q -r $(APPS) --severity-level high

# Known vulnerabilities in the pinned dependencies. pip-audit asks PyPI's vulnerability API, which
# this project's build machines cannot reach, so it runs where that API is reachable (docs/SECURITY.md).
audit-deps: install
	$(BIN)/pip-audit -r requirements.txt --strict --progress-spinner off

# The closest check where only PyPI's project pages are reachable: exact for every pin that is its
# project's newest release, and says which pins it could not check (scripts/audit_pins.py).
audit-pins: install
	$(BIN)/python scripts/audit_pins.py requirements.txt requirements-dev.txt

# Benchmarks (bench/README.md): its own PostgreSQL database (steady_bench), gunicorn and wrk on
# loopback, Redis db 9. bench-smoke is the tiny CI run: it fails on an error or a query count that
# grows with the data, never on speed.
bench: install
	$(BIN)/python -m bench full

bench-smoke: install
	$(BIN)/python -m bench smoke

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
