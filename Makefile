# Two commands for a fresh machine with Python 3.11+, git and make:
#   make demo   set up, then review a bundled sample change (offline, no key)
#   make test   set up, then run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench setup browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/tether demo

# The browser seat's test (tests/test_serve_browser.py) drives Debian's
# chromium headless through its chromedriver: installed here where missing
# (as root, or with sudo that asks no password), never downloaded by a test.
# Offline or without rights: a note, and that test says it skipped and why.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "note: no apt-get: install chromium and chromedriver for the browser test"; \
	else \
		if [ "$$(id -u)" = 0 ]; then as=""; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as="sudo -n"; \
		else as=none; fi; \
		if [ "$$as" = none ]; then \
			echo "note: not root and no sudo: 'apt-get install $(BROWSER_PACKAGES)' for the browser test"; \
		else \
			$$as apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null \
			|| { $$as apt-get update -q >/dev/null && $$as apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; } \
			|| echo "note: could not install $(BROWSER_PACKAGES) (offline?): the browser test will skip"; \
		fi; \
	fi

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	# Real history for the git round-trip test: attrs releases from PyPI,
	# fetched once into .cache/ (setup, like pip install; the tests stay offline).
	$(BIN)/python -m tests.history
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
