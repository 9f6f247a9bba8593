# The course's commands. `make course` and `make test` work on a fresh clone: they install
# everything (pinned by constraints.txt), fetch the offline assets, then open or test the course.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --disable-pip-version-check -c constraints.txt
PIP_INSTALL = $(PIP) -q
LAB_OPTIONS ?=
# The oldest Python the versions pinned in constraints.txt install on (the highest Requires-Python among them;
# tests/tooling/test_lab.py keeps it so); Colab does not use the pins.
MIN_PYTHON = 3.11.5
NOTEBOOKS ?= lessons/*.ipynb solutions/*.ipynb
PYTEST_ARGS ?=
COLAB_VENV ?= .venv-colab
LOCK_VENV ?= .venv-lock
PIP_TOOLS = pip-tools==7.7.0
# The torch CI installs: the CPU wheel (no nvidia-* packages). pip-compile writes its local label (+cpu),
# which `make lock` drops so the pin also matches the same release from PyPI on machines without the CPU wheel.
CI_TORCH = torch==2.13.0
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/python -m piptools compile --quiet \
	--strip-extras --no-emit-index-url --no-emit-find-links
# --nbval-current-env: the kernel is this Python's, not whichever kernelspec named python3 comes first
NBVAL = --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900

.PHONY: course test test-fast mutants test-colab notebooks exercises install install-test python-version assets chromium bubblewrap lock

# Say so plainly, instead of pip's "ResolutionImpossible" (or, with an older pip, minutes of backtracking).
python-version:
	@$(PYTHON) -c "import sys; floor = '$(MIN_PYTHON)'; here = '%d.%d.%d' % sys.version_info[:3]; \
	sys.exit(0 if sys.version_info[:3] >= tuple(map(int, floor.split('.'))) else \
	f'make: the pinned versions in constraints.txt need Python {floor} or newer; {sys.executable} is {here}. ' \
	'Make a virtual environment with a newer Python (python3.12 -m venv .venv && . .venv/bin/activate) and run make again.')"

install: python-version
	@echo "==> pip installs the course, PyTorch and JupyterLab: about 155 packages, minutes on a fresh machine (README: Set-up)"
	$(PIP) -e ".[lab]"

install-test: python-version
	$(PIP_INSTALL) -e ".[test]"

assets:
	@echo "==> fetching the offline model and datasets (once: later runs only check them)"
	$(PYTHON) -m coursekit assets fetch

chromium:
	bash tests/browser/install-chromium.sh

bubblewrap:
	bash tests/grader/install-bubblewrap.sh

## Install everything and open the course in JupyterLab, on your own copy of the lessons and exercises in
## workspace/ (git-ignored; made on the first run, never overwritten; lessons new in the course are added).
## LAB_OPTIONS go to JupyterLab, e.g. make course LAB_OPTIONS=--no-browser
course: install assets
	@echo "==> opening JupyterLab on workspace/ (stop it with Ctrl+C, twice)"
	$(PYTHON) -m coursekit course -- $(LAB_OPTIONS)

## Install everything and run the whole test suite (unit tests, then every lesson under nbval, offline, on the
## CPU: the lessons' committed outputs are a CPU run's, and a GPU would train on the full splits).
test: install-test assets chromium bubblewrap
	COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu $(PYTHON) -m pytest tests lessons solutions $(NBVAL) $(PYTEST_ARGS)

## The unit tests a developer runs after each change (a few minutes): no notebooks, no training runs, no network.
test-fast:
	COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu $(PYTHON) -m pytest tests -m "not slow and not network" $(PYTEST_ARGS)

## Mutation testing (before a release; slow, not in CI): plausible one-line bugs in the modules that decide what
## is correct must fail a test. One module at a time (MODULES=lesson.metrics for one); tests/README.md keeps the scores.
MODULES ?=
mutants:
	$(PIP_INSTALL) -e ".[test,mutation]"
	# one torch thread per mutant: mutmut runs one mutant per core
	OMP_NUM_THREADS=1 COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu $(PYTHON) tests/mutants.py $(MODULES)

## Prove Colab's versions: a fresh virtual environment with what Colab ships (constraints-colab.txt) plus the
## course, pip constrained so it cannot change torch, transformers or datasets; then the lesson helpers' unit
## tests and lesson 02 under nbval, offline.
test-colab: assets
	rm -rf $(COLAB_VENV) && $(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --disable-pip-version-check -q -c constraints-colab.txt \
		-r tests/colab/colab-versions.txt
	$(COLAB_VENV)/bin/python -m pip install --disable-pip-version-check -q -c constraints-colab.txt \
		-e . -r tests/colab/requirements.in
	PATH="$(abspath $(COLAB_VENV))/bin:$$PATH" COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu COURSEKIT_EXPECT_COLAB=1 \
		$(COLAB_VENV)/bin/python -m pytest tests/colab tests/lesson \
		lessons/02_text_classification.ipynb lessons/07_fine_tuning_with_keras.ipynb $(NBVAL) $(PYTEST_ARGS)

## Regenerate the lock files from pyproject.toml with pip-compile (pip-tools, in a virtual environment of its own:
## it needs a newer pip than yours may be). Versions already pinned are kept unless pyproject.toml excludes them;
## to move one on, delete its line first (or `make lock LOCK_ARGS="-P name"`; LOCK_ARGS=--upgrade moves them all).
## constraints.txt: the closure of every extra, with CI's CPU torch. constraints-colab.txt: what `make test-colab`
## installs, resolved under the versions Colab ships (tests/colab/colab-versions.txt).
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --disable-pip-version-check -q $(PIP_TOOLS)
	$(PIP_COMPILE) --all-extras -P "$(CI_TORCH)" $(LOCK_ARGS) -o constraints.txt pyproject.toml
	$(PIP_COMPILE) -c tests/colab/colab-versions.txt $(LOCK_ARGS) -o constraints-colab.txt \
		pyproject.toml tests/colab/requirements.in
	sed -i.bak -E 's/^(torch==[^+]+)\+[a-z0-9]+$$/\1/' constraints.txt constraints-colab.txt
	rm -f constraints.txt.bak constraints-colab.txt.bak
	rm -rf $(LOCK_VENV)

## Re-execute every lesson and solution headless (offline) to refresh the committed outputs,
## then regenerate exercises/ from solutions/.
notebooks: install-test assets
	COURSEKIT_SOURCE=offline COURSEKIT_DEVICE=cpu $(PYTHON) -m coursekit notebooks refresh $(NOTEBOOKS)
	$(MAKE) exercises

## Regenerate exercises/ from solutions/ (never edit exercises/ by hand).
exercises:
	$(PYTHON) -m coursekit exercises build
