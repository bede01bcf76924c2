# Quick start: `make run` serves at http://127.0.0.1:8000, `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
WEB := src/taskagent/web/index.html
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/package.json frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: setup run test lint typecheck pytest frontend frontend-test api-types e2e lighthouse bench clean image image-local podman train

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

pytest: setup podman
	$(VENV)/bin/python tests/check_services.py
	$(VENV)/bin/pytest

frontend-test: frontend/node_modules/.installed
	cd frontend && npm test

# The page's API types, generated from the server's OpenAPI document (`taskagent openapi`) by openapi-typescript:
# run after changing a request or response schema and commit the file; tests/test_api_types.py fails while the
# committed file differs. Defaults do not make a field required (they would, in request bodies).
API_TYPES ?= frontend/src/api/schema.d.ts
api-types: $(VENV)/.synced frontend/node_modules/.installed
	@document=$$(mktemp --suffix=.json) && trap 'rm -f "$$document"' EXIT && \
	$(VENV)/bin/taskagent openapi >"$$document" && \
	frontend/node_modules/.bin/openapi-typescript "$$document" --default-non-nullable false --output $(API_TYPES)

# Debian's Chromium drives the end-to-end tests (tools that download their own browser can't run here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; fi

e2e: setup $(CHROMIUM)
	$(VENV)/bin/python tests/e2e/run.py

test: lint typecheck frontend-test pytest e2e

# Lighthouse's phone profile on the sign-in page and a signed-in task list, in Debian's Chromium, offline
# (frontend/scripts/lighthouse.mjs). A measurement like bench/, not part of `make test`.
lighthouse: setup $(CHROMIUM)
	cd frontend && CHROME_PATH=$(CHROMIUM) node scripts/lighthouse.mjs

# --- The container image ----------------------------------------------------------------------------
# `make image` builds it from the public base images (podman, or CONTAINER=docker).
CONTAINER ?= podman
IMAGE ?= taskagent:latest
image:
	$(CONTAINER) build -t $(IMAGE) .

# This machine reaches no image registry: `make image-local` builds the same Containerfile on local bases,
# a Debian bookworm made by debootstrap (Python 3.11) and that base plus this host's Node (>= 20.19)
# (tests/deploy/local_bases.sh).
# The debootstrap tarball is cached outside the repo; podman keeps the imported bases and build layers.
IMAGE_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/taskagent-images
LOCAL_PYTHON_IMAGE := localhost/taskagent-base:bookworm
LOCAL_NODE_IMAGE := localhost/taskagent-node:20
CONTAINERS_CONF := $(CURDIR)/tests/deploy/containers.conf
PODMAN := CONTAINERS_CONF=$(CONTAINERS_CONF) podman

$(IMAGE_CACHE)/bookworm.tar:
	mkdir -p $(IMAGE_CACHE)
	rm -rf $(IMAGE_CACHE)/rootfs
	debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
		bookworm $(IMAGE_CACHE)/rootfs >$(IMAGE_CACHE)/debootstrap.log
	tar -C $(IMAGE_CACHE)/rootfs -cf $@.partial . && mv $@.partial $@
	rm -rf $(IMAGE_CACHE)/rootfs

image-local: $(IMAGE_CACHE)/bookworm.tar
	CONTAINERS_CONF=$(CONTAINERS_CONF) tests/deploy/local_bases.sh $< $(LOCAL_PYTHON_IMAGE) $(LOCAL_NODE_IMAGE)
	$(PODMAN) build --isolation chroot -t $(IMAGE) \
		--build-arg PYTHON_IMAGE=$(LOCAL_PYTHON_IMAGE) --build-arg NODE_IMAGE=$(LOCAL_NODE_IMAGE) .

# The image test (tests/deploy/) needs podman, runc and debootstrap: installed here when running as root
# with apt (as in CI), otherwise the test says it is skipped.
podman:
	@if command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null; \
	else echo "The image test needs podman, runc and debootstrap: sudo apt-get install podman runc debootstrap"; fi

# Retrain the offline engine's understanding model from corpus/ (writes src/taskagent/agents/offline/understanding.json).
train: $(VENV)/.synced
	$(VENV)/bin/python -m taskagent.agents.offline.training

bench: setup
	$(VENV)/bin/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) frontend/node_modules src/taskagent/web
