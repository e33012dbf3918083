# vmlab: `make lab` to teach, `make test` to check everything.
# Needs only python3 (3.11+, with venv) and make; the browser layer also needs Debian's
# chromium (sudo apt-get install chromium).

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
STAMP_LAB  := $(VENV)/.stamp-lab
STAMP_TEST := $(VENV)/.stamp-test
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
SUMMARY  := $(VENV)/test-summary.txt
LAYER    := scripts/layer.sh $(SUMMARY)
PYTEST   := $(PY) -m pytest -p no:cacheprovider
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
LINT_PATHS := $(wildcard vmlab tests scripts benchmarks)
# Extra arguments for `make lab`, e.g. make lab LAB_ARGS="--no-browser --port=8890"
LAB_ARGS ?=
# Lessons for `make notebooks` (default: notebooks/*.ipynb and the Chinese notebooks/zh/*.ipynb)
NB ?=

# Layers run one after another, in this order, even under `make -j`.
.NOTPARALLEL:
.PHONY: lab test lint notebooks catalog twins bench chaos clean distclean help \
        test-start test-types test-unit test-notebooks test-browser test-binder

help:
	@echo "make lab        start JupyterLab on the lessons (creates .venv on first use)"
	@echo "make test       run every test layer: unit, notebooks, browser, binder"
	@echo "make lint       ruff check + ruff format --check + mypy"
	@echo "make chaos      the engine's invariants on many random mixed sequences (CHAOS_SEQUENCES)"
	@echo "make notebooks  re-execute the lessons in place, with normalised metadata"
	@echo "make catalog    extract vmlab's sentences, merge them into each .po, compile the .mo"
	@echo "make twins      regenerate the Chinese lessons from the English ones + po/zh_CN/*.po, run them"
	@echo "make bench      run the benchmarks"
	@echo "make clean      remove caches, test artifacts and the Binder check's venv"
	@echo "make distclean  clean, and remove .venv too"

# ---------------------------------------------------------------- environment

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "vmlab needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "$(PYTHON) cannot create a virtual environment; on Debian: sudo apt-get install python3-venv"; \
	  exit 1; }

# Reinstall only when pyproject.toml changes.
$(STAMP_LAB): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	@touch $@ $(STAMP_LAB)

# The same JupyterLab settings as on Binder: no news pop-up, no update check.
$(LAB_OVERRIDES): binder/jupyterlab-overrides.json | $(PY)
	@mkdir -p $(@D)
	@cp $< $@

# ---------------------------------------------------------------- teaching

lab: $(STAMP_LAB) $(LAB_OVERRIDES)
	@echo "Starting JupyterLab on notebooks/: open the http://...?token=... URL it prints below. Ctrl-C twice stops it."
	$(VENV)/bin/jupyter lab \
	  --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.extension_manager=readonly \
	  $(ALLOW_ROOT) $(LAB_ARGS)

notebooks: $(STAMP_TEST)
	$(PY) scripts/run_notebooks.py $(NB)

# vmlab's sentences (every _(), N_(), ngettext() in vmlab/) → build/vmlab.pot → each
# language's .po (new sentences untranslated, changed ones fuzzy) → the .mo read at run time.
POT := build/vmlab.pot
catalog: $(STAMP_TEST)
	@mkdir -p build
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --add-comments=TRANSLATORS: \
	  --add-location=file --sort-by-file --no-wrap --project=vmlab --version=0.1.0 -o $(POT) .
	$(VENV)/bin/pybabel -q update -i $(POT) -d vmlab/locale -D vmlab -l zh_CN --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d vmlab/locale -D vmlab -l zh_CN --statistics

# The Chinese lessons: po/zh_CN/NN-*.po (one per lesson, msgid = an English markdown cell) is
# updated from the English lesson, notebooks/zh/ regenerated from both, and the changed ones run.
twins: $(STAMP_TEST)
	$(PY) scripts/twins.py update
	$(PY) scripts/twins.py build --run

# benchmarks/run.py if there is one, else every benchmarks/bench_*.py in turn.
bench: $(STAMP_TEST)
	@if [ -f benchmarks/run.py ]; then $(PY) benchmarks/run.py; \
	else set -e; found=; for b in benchmarks/bench_*.py; do [ -f "$$b" ] || continue; found=1; \
	  echo "===== $$b"; $(PY) "$$b"; done; \
	  [ -n "$$found" ] || echo "No benchmarks yet; see benchmarks/README.md."; fi

# ---------------------------------------------------------------- checking

test: test-start test-types test-unit test-notebooks test-browser test-binder
	@echo
	@echo "===== make test: every layer passed in $$(( $$(date +%s) - $$(cat $(SUMMARY).start) )) s"
	@cat $(SUMMARY)

test-start: $(STAMP_TEST)
	@rm -f $(SUMMARY)
	@date +%s > $(SUMMARY).start

# mypy on vmlab/ (the engine, plots and widgets): no errors.
test-types: $(STAMP_TEST)
	@$(LAYER) types $(VENV)/bin/mypy

# Unit and property tests of the engine, plots, widgets and tooling (no browser).
test-unit: $(STAMP_TEST)
	@$(LAYER) unit $(PYTEST) tests -m "not browser" --ignore=tests/browser -q

# Every lesson in both editions, strict nbval: stored outputs must match a fresh run
# (sanitized); the Chinese twins must be what scripts/twins.py writes from the English ones.
test-notebooks: $(STAMP_TEST)
	@$(LAYER) notebooks bash -c '$(PY) scripts/twins.py check && $(PY) scripts/run_notebooks.py --check && \
	  $(PYTEST) --nbval --nbval-current-env --nbval-sanitize-with tests/nbval-sanitize.cfg notebooks -q'

# Lessons in real JupyterLab, driven in Debian's Chromium.
test-browser: $(STAMP_TEST) $(LAB_OVERRIDES)
	@if [ -x $(CHROMIUM) ]; then \
	  $(LAYER) browser $(PYTEST) tests/browser -q; \
	elif [ "$${CI:-}" = true ]; then \
	  echo "===== [browser] FAILED: $(CHROMIUM) is missing, and under CI=true every layer must run."; \
	  echo "      Install it: sudo apt-get install chromium"; exit 1; \
	else \
	  $(LAYER) browser --skip "$(CHROMIUM) is missing; install it with: sudo apt-get install chromium"; \
	fi

# A fresh venv from binder/requirements.txt + binder/postBuild runs every lesson.
test-binder: $(STAMP_TEST)
	@$(LAYER) binder scripts/check_binder.sh

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy

# The engine's invariants on many random mixed sequences; prints what it ran.
CHAOS_SEQUENCES ?= 20000
chaos: $(STAMP_TEST)
	CHAOS_SEQUENCES=$(CHAOS_SEQUENCES) $(PYTEST) tests/test_engine_invariants.py -q -s

# ---------------------------------------------------------------- tidying

clean:
	rm -rf .pytest_cache .hypothesis .ruff_cache build *.egg-info tests/browser/artifacts .venv-binder
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -f $(SUMMARY) $(SUMMARY).start

distclean: clean
	rm -rf $(VENV)
