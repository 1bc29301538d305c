# The two commands: `make run` and `make test`. Everything else is a step they call.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 8000
export PORT

.PHONY: run test test-sqlite test-postgres install install-dev translations catalog lint chromium clean

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	@echo "Serving the portal on http://127.0.0.1:$(PORT), with the state-systems simulator on http://127.0.0.1:8001 and the outbox worker"
	bash portal/integrations/run_all.sh $(BIN)

test: install-dev translations chromium lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/pytest -q

test-postgres:
	bash .ci/with-postgres $(BIN)/pytest -q

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[postgres]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Compiled catalogs are built, not committed.
translations: install
	$(BIN)/pybabel -q compile -d portal/translations

# Re-extract the messages and merge them into the three catalogs (then translate the new ones).
catalog: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=kandas-portal --copyright-holder="kandas portal contributors" \
		-o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i portal/translations/messages.pot -d portal/translations \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/python -m portal.catalogs fill-english
	$(BIN)/python -m portal.catalogs check || true

lint: install-dev
	$(BIN)/ruff check .

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache
	find portal/translations -name '*.mo' -delete
