# The course's commands. `make help` lists them. Everything runs inside .venv, which the
# first command that needs it creates from pyproject.toml (Python >= 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
EXTRAS ?= dev
PYTEST_ARGS ?=
LAB_PORT ?= 8888
# Checks and lesson runs use one BLAS/OpenMP thread: small matrices gain nothing from more, a
# busy 2-core machine loses a lot (measured 15x on lesson-sized training), and the printed
# digits then match the committed outputs on any machine.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# Checks and lesson runs hold every experiment to its claim (dlhelpers.claims): a claim that
# no longer holds fails the run; a learner's own run only prints a sentence.
STRICT := DLHELPERS_STRICT_CLAIMS=1

.DEFAULT_GOAL := help
.PHONY: help venv lab test test-fast lint notebooks bench site release validate grade kit clean
.PHONY: export grades-csv formgrader

help: ## list the commands
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (nbgrader 0.9.6 requires it); found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install the course (EXTRAS=dev,oracle adds torch)

lab: $(STAMP) ## set up and open the lessons in JupyterLab
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter lab --port=$(LAB_PORT) $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

test: $(STAMP) ## set up and run every check (unit, oracle, lessons, grading, browser, lint)
	$(ONE_THREAD) $(STRICT) PATH="$(abspath $(BIN)):$$PATH" $(PY) -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=15 $(PYTEST_ARGS)

test-fast: $(STAMP) ## quick inner loop: unit and property tests only
	$(ONE_THREAD) $(STRICT) $(PY) -m pytest tests -m "not slow" -q $(PYTEST_ARGS)

lint: $(STAMP) ## ruff over the code
	$(BIN)/ruff check dlhelpers tests benchmarks tools

notebooks: $(STAMP) ## re-execute every lesson in place (fresh kernel each) and report time and memory
	$(ONE_THREAD) $(STRICT) $(PY) -m tools.run_lessons notebooks/*.ipynb

site: $(STAMP) ## build the course website into site/ from the committed notebooks (offline)
	$(PY) -m tools.build_site --out site

bench: $(STAMP) ## speed ratios against sklearn and torch, measured side by side
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean: ## remove generated grading folders and caches (keeps .venv)
	rm -rf .pytest_cache .ruff_cache artifacts dist site

# --- homework (instructor) --------------------------------------------------------------
release: $(STAMP) ## build the student versions of all homework (assignments/release)
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course release

validate: $(STAMP) ## solutions score full marks, released stubs score zero; fails loudly
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course validate

grade: $(STAMP) ## autograde SUBMISSIONS=dir (or ZIP=lms.zip), feedback, grades CSV; WORKERS=n at once; DASK=address|local
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course grade $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)) $(if $(ZIP),--zip $(ZIP)) $(if $(HW),--assignment $(HW)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(DASK),--dask $(DASK))

kit: $(STAMP) ## build the student kit (dist/student-kit): lessons, dlhelpers, released homework
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course kit

export: $(STAMP) ## final grades for the platform, late policy applied: FORMAT=canvas|moodle|csv
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course export --format $(or $(FORMAT),csv) $(if $(ROSTER),--roster $(ROSTER)) $(if $(OUT),--out $(OUT))

grades-csv: $(STAMP) ## refresh artifacts/grades/*.csv from the gradebook (no grading)
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course csv

formgrader: $(STAMP) ## grade written answers by hand: JupyterLab in assignments/, formgrader open
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m tools.course markscheme
	cd assignments && PYTHONPATH="$(CURDIR)" PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/jupyter lab --port=$(LAB_PORT) $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.jpserver_extensions tools.grading.formgrader_guard=True --LabApp.default_url=/formgrader
