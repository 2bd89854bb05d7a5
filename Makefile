# Bulkhead: every command sets itself up from a clean clone (Python 3.11, Node 20, npm, make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: setup drill test check lint typecheck synth bench clean chromium

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json shopify-functions/package.json shopify-functions/package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	npm ci --prefix shopify-functions --no-audit --no-fund --loglevel=error  # @shopify/shopify_function, esbuild
	touch $@

## drill: run the whole fabric locally (the embedded default) and print what it did
drill: $(PY_STAMP)
	$(BIN)/bulkhead drill

## test: every test tier (unit, functions, state machines, infra, end to end), one worker per core
test: setup chromium
	$(BIN)/python -m pytest -n auto --dist loadgroup

## chromium: the headless browser the drill-report tests render in (Debian package; CI runs as root)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "The drill-report test needs Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

## check: lint, types and tests
check: lint typecheck test

## synth: the CloudFormation template, with no AWS account and no Docker
synth: setup
	$(BIN)/python scripts/build_lambda_assets.py
	npx --no-install cdk synth --quiet

## bench: every benchmark under scripts/bench
bench: $(PY_STAMP)
	@set -e; for bench in scripts/bench/*.py; do echo "== $$bench"; $(BIN)/python $$bench; done

clean:
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache
