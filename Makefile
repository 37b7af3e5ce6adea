# Two entry points: `make run` serves the app, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests (tests/e2e) drive Debian's Chromium; Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck unit e2e browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Installed only when missing, from Debian's packages.
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests..."
	@log=$$(mktemp); \
	if ! { $(SUDO) apt-get update -qq && \
	       DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; \
	     } >"$$log" 2>&1 || [ ! -x $(CHROMIUM) ]; then \
	    tail -n 20 "$$log"; rm -f "$$log"; \
	    echo "make: could not install chromium at $(CHROMIUM); the browser tests need it." >&2; \
	    echo "make: install it by hand (apt-get install chromium) and run make test again." >&2; \
	    exit 1; \
	fi; \
	rm -f "$$log"

browser: $(CHROMIUM)

run: $(STAMP)
	$(BIN)/electric-maze serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest

# The browser tests alone.
e2e: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest tests/e2e

test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
