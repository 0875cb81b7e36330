# Koop: `make run` starts the app with demo data on SQLite; `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
export KOOP_ENV ?= development
export FLASK_APP := wsgi

.PHONY: run test test-all test-browser install translations extract-messages node-modules lint clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues are build output: made from the .po files on every install.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d app/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --ignore-dirs '.* __pycache__ node_modules' -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

node-modules: node_modules/.installed

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo "Koop runs at http://127.0.0.1:5000 (demo logins above, password koop-demo)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Browser tests need Chromium (Debian package `chromium`); without it they are skipped, and we say so.
test: install
	@if [ -x "$(CHROMIUM)" ]; then \
		$(MAKE) --no-print-directory node-modules && $(BIN)/pytest; \
	else \
		echo "*** Chromium not found at $(CHROMIUM): SKIPPING the browser tests (apt-get install chromium to run them). ***"; \
		$(BIN)/pytest -m "not browser"; \
	fi

test-browser: install node-modules
	$(BIN)/pytest -m browser

# Benchmarks, never in CI: `make bench DB=postgresql` (default sqlite); needs wrk. See bench/README.md.
DB ?= sqlite
bench: install
	$(BIN)/python bench/run.py --db $(DB)

lint: install
	$(BIN)/ruff check app tests config.py wsgi.py migrations

clean:
	rm -rf $(VENV) node_modules instance/koop.sqlite .pytest_cache screenshots
