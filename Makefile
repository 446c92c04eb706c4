# The two commands of the README. Each sets up what it needs, then runs.
#   make run    install Pulse in .venv and serve the catalogue (demo snapshot when the index is empty)
#   make test   install Pulse with its test tools and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test browser-deps bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used)
# and axe-core from npm.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }
	npm ci --no-audit --no-fund --loglevel=error

run: install
	$(BIN)/pulse serve --host $(HOST) --port $(PORT)

test: install-test browser-deps
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python bench/search.py
