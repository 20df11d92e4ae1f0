# Safeguard Hub: `make run` serves the app, `make test` runs the whole suite.
# Both build what they need first and skip any step whose inputs have not changed.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PYTHON_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSETS_STAMP := frontend/static/vendor/.built

.PHONY: run test test-quick test-api-roles coverage bench lint setup browser clean

run: setup
	@$(PY) -m config.launcher run

# Across every core (xdist), each worker on a test database of its own; the 25 slowest tests
# are listed at the end. `make test PYTEST_ARGS="-n 0"` runs serially; other pytest options go
# in PYTEST_ARGS too, e.g. PYTEST_ARGS="-m services" or PYTEST_ARGS="tests/reports".
PYTEST_DEFAULTS := -n auto --durations=25
PYTEST_ARGS ?=

test: setup browser
	@$(PY) -m config.launcher test $(PYTEST_DEFAULTS) $(PYTEST_ARGS)

# The same suite with a tenth of the property tests' examples (tests/strength.py): for a
# quick look while working, never instead of `make test`.
test-quick: setup browser
	@HYPOTHESIS_PROFILE=dev $(PY) -m config.launcher test $(PYTEST_DEFAULTS) $(PYTEST_ARGS)

# Schemathesis, with all its checks, as every role but the coordinator (`make test` runs it as
# the coordinator), and the coordinator's chained calls: the tests marked `api_roles`, which
# `make test` leaves out. CI runs it as a step of its own.
test-api-roles: setup
	@$(PY) -m config.launcher test $(PYTEST_DEFAULTS) -m api_roles tests/api/test_schema.py $(PYTEST_ARGS)

# The whole suite under coverage.py, then line and branch coverage per app.
coverage: setup browser
	@$(PY) -m config.launcher test $(PYTEST_DEFAULTS) --cov --cov-report= $(PYTEST_ARGS)
	@$(PY) bin/coverage-by-app

bench: setup
	@$(PY) -m config.launcher bench $(BENCH_ARGS)

lint: $(PYTHON_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# mypy loads the settings (django-stubs); it never connects to this database.
	DATABASE_URL=postgres://typecheck@localhost/typecheck $(VENV)/bin/mypy .

setup: $(PYTHON_STAMP) $(ASSETS_STAMP)

browser: $(PYTHON_STAMP)
	@bin/ensure-chromium

$(PYTHON_STAMP): requirements/base.txt requirements/dev.txt requirements/lock.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found: install Python 3.11 (or run 'make PYTHON=/path/to/python3.11 ...')" >&2; exit 2; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "error: $(PYTHON) is not Python 3.11" >&2; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV)…"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/lock.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found: install Node.js 20 with npm, then run make again" >&2; exit 2; }
	@echo "installing npm packages…"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(ASSETS_STAMP): $(NODE_STAMP) frontend/build.mjs
	@npm run --silent build
	@touch $@

clean:
	rm -rf $(VENV) node_modules frontend/static/vendor staticfiles
