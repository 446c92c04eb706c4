# The two commands of the README. Each sets up what it needs, then runs.
#   make run    install Pulse in .venv and serve the catalogue (demo snapshot when the index is empty)
#   make test   install Pulse with its test tools and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

STYLES := pulse/web/static/build/pulse.css
NPM_STAMP := node_modules/.package-lock.json

.PHONY: run test lint wheel install install-test browser-deps assets bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used)
# and axe-core from npm; tests/test_deploy.py runs deploy/nginx.conf in Debian's nginx.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && [ -x /usr/sbin/nginx ]; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium nginx; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium nginx; fi; }

# Node packages from package-lock.json: govuk-frontend and sass (the stylesheet) and
# axe-core (browser tests). npm ci runs again only when the lockfile changes, and
# --prefer-offline lets it work from npm's cache without a network; --omit=optional
# skips the file watcher sass only needs for --watch.
$(NPM_STAMP): package.json package-lock.json
	npm ci --prefer-offline --omit=optional --no-audit --no-fund --loglevel=error
	@touch $@

# The stylesheet: GOV.UK Frontend compiled with Dart Sass (assets/pulse.scss sets
# Arial, no GDS Transport). The output is built, not committed (.gitignore).
assets: $(STYLES)

$(STYLES): $(NPM_STAMP) $(wildcard assets/*.scss)
	@mkdir -p $(@D)
	npx --no-install sass --no-source-map --load-path=node_modules --quiet-deps \
	  --style=compressed assets/pulse.scss $@

browser-deps: $(NPM_STAMP)

run: install assets
	$(BIN)/pulse serve --host $(HOST) --port $(PORT)

# Style, types and layers, over the package as it installs (tools/installed_layout.py):
# ruff (lint and format), mypy over pulse/ harvesters/ index/, import-linter's contracts.
LAYOUT := build/layout
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/installed_layout.py $(LAYOUT)
	cd $(LAYOUT) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml pulse
	cd $(LAYOUT) && $(CURDIR)/$(BIN)/lint-imports $(CURDIR)/pyproject.toml

test: install-test browser-deps assets lint
	$(BIN)/python -m pytest

# dist/pulse-<version>-py3-none-any.whl: every module under `pulse`, the templates, static files
# (the compiled stylesheet too), demo catalogue and sources.yaml (tests/test_wheel.py checks it).
# --no-isolation builds offline with .venv's setuptools; setuptools' scratch folders are cleared
# before (a module deleted since the last build must not linger in the wheel) and after. build/layout
# (make lint) is left alone.
wheel: install-test assets
	rm -rf dist build/lib build/bdist.*
	$(BIN)/python -m build --wheel --no-isolation --outdir dist .
	rm -rf build/lib build/bdist.*

bench: install-test
	$(BIN)/python bench/search.py
