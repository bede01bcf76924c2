# Quick start: `make run` serves at http://127.0.0.1:8000, `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
WEB := src/taskagent/web/index.html
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/package.json frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: setup run test lint typecheck pytest frontend frontend-test e2e bench clean train

setup: $(VENV)/.synced $(WEB)

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(WEB): frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build

run: setup
	$(VENV)/bin/taskagent serve

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/python tests/check_services.py
	$(VENV)/bin/pytest

frontend-test: frontend/node_modules/.installed
	cd frontend && npm test

# Debian's Chromium drives the end-to-end tests (tools that download their own browser can't run here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; fi

e2e: setup $(CHROMIUM)
	$(VENV)/bin/python tests/e2e/run.py

test: lint typecheck frontend-test pytest e2e

# Retrain the offline engine's understanding model from corpus/ (writes src/taskagent/agents/offline/understanding.json).
train: $(VENV)/.synced
	$(VENV)/bin/python -m taskagent.agents.offline.training

bench: setup
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) frontend/node_modules src/taskagent/web
