# The course's commands. `make course` and `make test` work on a fresh clone: they install
# everything (pinned by constraints.txt), fetch the offline assets, then open or test the course.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install --disable-pip-version-check -q -c constraints.txt
NOTEBOOKS ?= lessons/*.ipynb
PYTEST_ARGS ?=

.PHONY: course test notebooks install install-test assets

install:
	$(PIP_INSTALL) -e ".[lab]"

install-test:
	$(PIP_INSTALL) -e ".[test]"

assets:
	$(PYTHON) -m coursekit assets fetch

## Install everything and open the course in JupyterLab.
course: install assets
	$(PYTHON) -m jupyterlab $(firstword $(wildcard lessons/*.ipynb))

## Install everything and run the whole test suite (unit tests, then every lesson under nbval, offline).
test: install-test assets
	COURSEKIT_SOURCE=offline $(PYTHON) -m pytest tests lessons --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-cell-timeout=900 $(PYTEST_ARGS)

## Re-execute every lesson headless (offline) to refresh the committed outputs.
notebooks: install-test assets
	COURSEKIT_SOURCE=offline $(PYTHON) -m coursekit notebooks refresh $(NOTEBOOKS)
