# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
FLASK := ZORGMARKT_MODE=demo $(BIN)/flask --app wsgi
CATALOG := marketplace/translations

.PHONY: install translations run test lint bench fuzz extract-messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: install
	$(BIN)/pybabel compile -d $(CATALOG)

run: install translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The suite runs on every core (pytest-xdist; each worker has its own PostgreSQL database, made
# when missing); a test module stays on one worker, so its module-wide fixtures are built once.
# TEST_JOBS=0 runs it in one process.
TEST_JOBS ?= auto

test: install translations lint
	$(BIN)/pytest -n $(TEST_JOBS) --dist loadscope

lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check --no-cache marketplace care teams billing benchmarks

# schemathesis against /api/v1/openapi.json (fuzz/), in-process on a fresh SQLite database with the
# demo data, as an administrator and a family member; fails on any 500. About a minute and a half
# (7,000 requests on an idle 2-core machine), bounded to 5; not part of `make test`. FUZZ_EXAMPLES (default 20): examples per operation.
fuzz: install translations
	timeout 300 $(BIN)/pytest -q -p no:cacheprovider fuzz

bench: install translations
	$(BIN)/python -m benchmarks

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o $(CATALOG)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i $(CATALOG)/messages.pot -d $(CATALOG)

clean:
	rm -rf $(VENV) instance .pytest_cache
