# lambdalab — the two commands a newcomer needs are `make lab` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
# Windows venvs keep their programs in Scripts/ (make from Git Bash, as in CI).
BIN := $(VENV)/$(if $(filter Windows_NT,$(OS)),Scripts,bin)
STAMP := $(VENV)/.installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
         --nbval-cell-timeout 300 -p no:cacheprovider

.PHONY: lab test lint unit nbval notebooks bench clean distclean install

install: $(STAMP)

# Re-install when the dependency list changes; a fresh clone needs only Python 3.11+.
# tools/install.py prints one line per stage (uv when it can be had, else pip; pins from
# pyproject.toml) and keeps the installers' output in $(VENV)/install.log. NO_UV=1: plain pip.
$(STAMP): pyproject.toml tools/install.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lambdalab needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@$(PYTHON) tools/install.py --venv $(VENV) $(if $(NO_UV),--no-uv,)
	@touch $(STAMP)

# JupyterLab refuses to run as root unless told (containers, Binder, some CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# `make lab EDITION=ja`: the Japanese edition (notebooks/ja/) in a JupyterLab whose own menus are
# Japanese (jupyterlab-language-pack-ja-JP). etc/jupyterlab-ja/overrides.json makes ja_JP the
# default language of this server only; the learner's own JupyterLab settings are not touched and
# still win. Not `LANG=ja`: LANG is the POSIX locale variable (set in most shells, e.g. C.UTF-8),
# and make would hand the invalid locale "ja" to JupyterLab and every kernel it starts.
EDITION ?= en
LAB_DIR_en := notebooks
LAB_DIR_ja := notebooks/ja
LAB_UI_ja := --LabApp.app_settings_dir=$(CURDIR)/etc/jupyterlab-ja

# Checked before anything is installed.
ifneq ($(filter lab,$(MAKECMDGOALS)),)
  $(if $(and $(filter command line,$(origin LANG)),$(filter ja ja_JP,$(LANG))),$(error \
    LANG is the locale variable, not the course edition: run `make lab EDITION=ja`))
  $(if $(LAB_DIR_$(EDITION)),,$(error EDITION=$(EDITION): use EDITION=en (default) or EDITION=ja))
endif

lab: $(STAMP)
	@echo "[lambdalab] starting JupyterLab on $(LAB_DIR_$(EDITION))/ (Ctrl-C stops it)"
	@$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 \
	    --ServerApp.root_dir=$(LAB_DIR_$(EDITION)) --LabApp.default_url=/lab/tree/00_start_here.ipynb \
	    $(LAB_UI_$(EDITION)) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/pytest -q tests

nbval: $(STAMP)
	$(BIN)/pytest -q $(NBVAL) notebooks/

test: lint unit nbval

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebooks.py $(wildcard notebooks/*.ipynb notebooks/ja/*.ipynb)

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	rm -rf notebooks/lab-work notebooks/ja/lab-work
	@# Only the temp folders of labs whose process is gone: never a running lab's.
	@if [ -x $(BIN)/python ]; then $(BIN)/python -c 'from lambdalab.leftovers import main; raise SystemExit(main())'; fi
	find terraform notebooks -name '.terraform' -prune -exec rm -rf {} + 2>/dev/null || true
	find terraform notebooks \( -name 'terraform.tfstate*' -o -name '.terraform.lock.hcl' -o -name '*.zip' \) -delete 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)
