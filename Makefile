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

.PHONY: run test deps system-deps venv migrate lint messages ci clean

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

clean:
	rm -rf var .pytest_cache
