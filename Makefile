# Targets a newcomer guesses: run, test, lint, bench.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# VENV=/some/where make run: another virtualenv (e.g. to time a fresh install).
VENV ?= .venv
PY := $(VENV)/bin/python
# Embedded defaults for `make run`: SQLite, mail to the console, no Redis needed.
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: install install-run run demo-links test test-fast lint format bench clean

# Two levels, one stamp each: running needs requirements.txt only; the tests, lint and
# benchmarks add requirements-dev.txt on top (pytest, ruff, mypy, Playwright…).
install: $(VENV)/.installed-dev
install-run: $(VENV)/.installed-run

$(VENV)/.installed-run: requirements.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools<81" wheel
	# XStatic-Bootstrap ships Bootstrap's CSS/JS from PyPI but its build still imports
	# pkg_resources, so it is built with the setuptools just installed.
	$(PY) -m pip install --quiet --no-build-isolation "XStatic-Bootstrap>=5.3.3,<5.4"
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install-run
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py load_questionnaires
	$(RUN_ENV) $(PY) manage.py setup_demo --no-links
	$(RUN_ENV) $(PY) bin/run.py

# The admin's address and password and the coordinators' links again (fresh links).
demo-links: install-run
	$(RUN_ENV) $(PY) manage.py demo_links

test: install
	$(VENV)/bin/pytest -n 2 -p no:cacheprovider

test-fast: install
	$(VENV)/bin/pytest -x -q -m "not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run_all.py $(ONLY)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
