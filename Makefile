# The two commands: `make run` and `make test`. Everything else is a step they call.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 8000
export PORT
# The faked-clock pass's day, as Almaty wall-clock time ("2027-03-22 09:30"); empty: a hard day
# picked for the run (.ci/hard_day.py), printed at its start.
CLOCK ?=
export CLOCK
# pytest-xdist workers: one per core of the two the budget is measured on.
WORKERS ?= 2
# A test that takes 10 s or more is named at the end of its pass: a pass that now and then
# takes twice its usual time (seen on loaded machines) says where the time went.
PYTEST := $(BIN)/pytest -q -n $(WORKERS) --durations=15 --durations-min=10

.PHONY: run test test-sqlite test-postgres test-slow install install-dev translations catalog \
	lint lock chromium faketime gettext clean bench bench-wrk bench-clean cluster

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty
	$(FLASK) occupancy-days
	@echo "Serving the portal on http://127.0.0.1:$(PORT), with the state-systems simulator on http://127.0.0.1:8001 and the outbox worker"
	bash portal/integrations/run_all.sh $(BIN)

# The deployment of the README (PostgreSQL, Redis, two gunicorn hosts with their outbox
# workers, nginx round-robin) on this machine, from deploy/; Ctrl-C stops it (issue 18).
cluster: install translations
	bash .ci/cluster

# The whole suite twice, within the 8-minute budget on two cores: on SQLite at the real date,
# and on PostgreSQL with the process clock moved to a hard day by libfaketime (the server is
# started outside the faked process; Chromium is kept out of it).
test: install-dev translations chromium faketime lint
	@picked=$$(python3 .ci/hard_day.py); day="$${CLOCK:-$${picked%%|*}}"; \
	why=$$([ -n "$(CLOCK)" ] && echo "given by CLOCK" || echo "$${picked#*|}"); \
	echo "make test: the PostgreSQL pass runs at $$day in Almaty ($$why);" \
		"again with: make test CLOCK=\"$$day\""; \
	$(MAKE) test-sqlite && $(MAKE) test-postgres CLOCK="$$day"

# Both passes beside a throw-away Redis (the throttling tests count in it as hosts would).
test-sqlite:
	bash .ci/with-redis $(PYTEST)

# The test server runs without autovacuum: every test's rows live in a transaction that is rolled
# back, so autovacuum only ever saw the tables empty while their pages were not, recorded "no
# rows", and the planner then ran nested loops over the next test's rows (a report test took
# 415 s instead of 2). Tests that bulk-load vacuum after themselves (the `bulk` mark).
# The PostgreSQL pass leaves out what runs once, on SQLite, to keep `make test` within its
# budget: the browser tests (the pages in Chromium; the database under them is the one every
# other test covers on both) and the workflow's state exploration (its edges are pages and
# operations tested on both). `make test-slow` runs them on PostgreSQL too.
test-postgres:
	PGTEST_AUTOVACUUM=off bash .ci/with-postgres bash .ci/with-redis bash .ci/faked-clock \
		$(PYTEST) -m "not slow and not browser and not once"

# Long generated-input runs and national-size checks (marked `slow`; CI does not run them), and
# on PostgreSQL (the faked clock too) what `make test` runs on SQLite only.
test-slow: install-dev translations chromium faketime
	$(PYTEST) -m slow --ignore=tests/cluster || [ $$? -eq 5 ]
	$(BIN)/pytest -q -m slow tests/cluster
	PGTEST_AUTOVACUUM=off bash .ci/with-postgres bash .ci/with-redis bash .ci/faked-clock \
		$(PYTEST) -m "(browser or once) and not slow"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q 'pip>=25.1,<27'

# Installs in two steps: the locked dependencies, exact versions checked against their hashes,
# then the portal itself without dependencies.
$(VENV)/.installed: requirements/run.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/run.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements/dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.installed

# Refresh both lock files from pyproject.toml (Python 3.11, every platform, with hashes).
lock: | $(BIN)/python
	$(BIN)/pip install -q 'uv>=0.13,<0.14'
	$(BIN)/uv pip compile -q pyproject.toml --extra postgres --generate-hashes --universal \
		--python-version 3.11 -o requirements/run.lock
	$(BIN)/uv pip compile -q pyproject.toml --extra postgres --extra dev --generate-hashes \
		--universal --python-version 3.11 -o requirements/dev.lock

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Compiled catalogs are built, not committed.
translations: install
	$(BIN)/pybabel -q compile -d portal/translations

# Re-extract the messages and merge them into the three catalogs (then translate the new ones).
catalog: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k _p:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output \
		--project=kandas-portal --copyright-holder="kandas portal contributors" \
		-o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i portal/translations/messages.pot -d portal/translations \
		--ignore-obsolete --no-fuzzy-matching
	$(BIN)/python -m portal.catalogs fill-english
	$(BIN)/python -m portal.catalogs check || true

# ruff (complexity at most 12 included), the import-linter contracts in pyproject.toml, and the
# module-size limit.
lint: install-dev gettext
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python .ci/module_size.py
	$(BIN)/python -m portal.catalogs check

# GNU gettext's msgfmt, which checks the catalogs (`msgfmt -c`) for `make lint`.
gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's faketime, for the faked-clock pass.
faketime:
	@command -v faketime >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }

# The benchmark (bench/README.md): the portal beside a bare Flask page under wrk, then every
# report and export timed in-process on national data, SQLite and PostgreSQL; the table goes
# to bench/results/<date>.md. `make bench PROFILE=person` profiles one request of a page
# instead. BENCH_DURATION, BENCH_PAGES, BENCH_SCALE…: see bench/run.py.
bench: install-dev translations bench-wrk
	PROFILE="$(PROFILE)" $(BIN)/python -m bench.run

# Debian's wrk, for the benchmark.
bench-wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# The benchmark's databases (the national data sets are kept between runs) and logs.
bench-clean:
	rm -rf bench/.work

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache
	find portal/translations -name '*.mo' -delete
