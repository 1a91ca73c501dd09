# formsvc — `make run` serves, `make test` runs the whole suite; both set everything up first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# threads per worker: /healthz and look-ups are answered while renders run (those take slots, web/slots.py)
THREADS ?= 4

# Pango comes with Debian; these give print its Chinese fonts (Noto CJK; FandolFang/FandolKai for
# 仿宋/楷体 come with texlive-lang-chinese) and fast font subsetting
DEBIAN_PACKAGES := fontconfig fonts-noto-cjk texlive-lang-chinese libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
# the browser the page tests drive; LibreOffice prints the spreadsheets as a clerk's office would
TEST_DEBIAN_PACKAGES := chromium libreoffice-writer-nogui libreoffice-calc-nogui
# benchmarks: load generator and the LibreOffice baseline
BENCH_DEBIAN_PACKAGES := wrk libreoffice-writer-nogui

# every Python package the service and its tests use, pinned and hashed (refresh: make lock)
LOCK := requirements.lock
# how the lock is resolved: for every platform, for the oldest Python pyproject.toml accepts
LOCK_OPTIONS := --extra test --generate-hashes --universal --python-version 3.11

.PHONY: setup system-packages test-packages bench-packages run test lint bench templates clean lock check-lowest

setup: system-packages $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# after a change to the dependencies in pyproject.toml: keeps the other pins, adds and drops what
# changed; `make lock UPGRADE=1` moves every pin to the newest version allowed
lock:
	test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet uv; }
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_OPTIONS) $(if $(UPGRADE),--upgrade) --quiet -o $(LOCK)

# the lowest versions pyproject.toml allows, in a throwaway venv: every module imports and every
# form renders its sample (a lower bound that would break the service fails here)
check-lowest: setup
	set -e; lowest=$$(mktemp -d); trap 'rm -rf "$$lowest"' EXIT; \
	$(VENV)/bin/uv venv --quiet --python $(PY) "$$lowest"; \
	$(VENV)/bin/uv pip install --quiet --python "$$lowest/bin/python" --resolution lowest-direct -e '.[test]'; \
	"$$lowest/bin/python" .ci/check_lowest.py

# install missing Debian packages when we are root; otherwise say exactly what to run
define ensure_debian
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

system-packages:
	$(call ensure_debian,$(DEBIAN_PACKAGES))

test-packages:
	$(call ensure_debian,$(TEST_DEBIAN_PACKAGES))

bench-packages:
	$(call ensure_debian,$(BENCH_DEBIAN_PACKAGES))

# the QR codes point where the service listens unless FORMSVC_PUBLIC_URL says otherwise
run: export FORMSVC_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: setup
	$(VENV)/bin/flask --app formsvc init-db
	$(VENV)/bin/gunicorn --config python:formsvc.serving --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) --access-logfile - 'formsvc:create_app()'

lint: setup
	$(VENV)/bin/ruff check .

# one test process per core (pytest-xdist); each has its own databases, folders and Redis keys;
# the 20 slowest steps are listed at the end, where a fixture worth sharing shows first
test: setup test-packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n auto --durations=20

bench: setup bench-packages
	$(PY) benchmarks/run.py

# regenerate form_templates/*/form.docx and form.xlsx from their build.py
templates: setup
	$(PY) form_templates/build_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
