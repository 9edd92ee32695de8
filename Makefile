# Two commands: `make run` (the product, embedded: SQLite + filesystem broker, no servers)
# and `make test` (the whole suite on SQLite, in parallel). Both install what they need first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test`: one per CPU; PYTEST_WORKERS=0 runs in a single process.
PYTEST_WORKERS ?= auto

.PHONY: run test deps system-deps venv migrate lint messages lock drill ci clean

run: system-deps venv
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	HOST=$(HOST) PORT=$(PORT) scripts/run-embedded

test: system-deps-test venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

system-deps:
	@scripts/install-system-deps run

system-deps-test:
	@scripts/install-system-deps test

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: venv
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --add-location file
	$(BIN)/python manage.py compilemessages -l zh_Hans

# requirements.lock: the exact runtime dependencies (with hashes) that the Dockerfile installs.
# Run after changing `dependencies` in pyproject.toml and commit both.
lock: venv
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --output-file requirements.lock pyproject.toml

# The restore drill CI runs (PostgreSQL at 127.0.0.1; DRILL_PG=sqlite for the embedded default).
drill: venv
	scripts/restore_drill.sh

clean:
	rm -rf var .pytest_cache
