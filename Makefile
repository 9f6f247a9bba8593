# The course's commands. `make course` and `make test` work on a fresh clone: they install
# everything (pinned by constraints.txt), fetch the offline assets, then open or test the course.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install --disable-pip-version-check -q -c constraints.txt
NOTEBOOKS ?= lessons/*.ipynb solutions/*.ipynb
PYTEST_ARGS ?=

.PHONY: course test notebooks exercises install install-test assets chromium

install:
	$(PIP_INSTALL) -e ".[lab]"

install-test:
	$(PIP_INSTALL) -e ".[test]"

assets:
	$(PYTHON) -m coursekit assets fetch

chromium:
	bash tests/browser/install-chromium.sh

## Install everything and open the course in JupyterLab.
course: install assets
	$(PYTHON) -m jupyterlab $(firstword $(wildcard lessons/*.ipynb))

## Install everything and run the whole test suite (unit tests, then every lesson under nbval, offline).
test: install-test assets chromium
	COURSEKIT_SOURCE=offline $(PYTHON) -m pytest tests lessons solutions --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-cell-timeout=900 $(PYTEST_ARGS)

## Re-execute every lesson and solution headless (offline) to refresh the committed outputs,
## then regenerate exercises/ from solutions/.
notebooks: install-test assets
	COURSEKIT_SOURCE=offline $(PYTHON) -m coursekit notebooks refresh $(NOTEBOOKS)
	$(MAKE) exercises

## Regenerate exercises/ from solutions/ (never edit exercises/ by hand).
exercises:
	$(PYTHON) -m coursekit exercises build
