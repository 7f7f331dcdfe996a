# zonasi: `make run` serves the bundled data; `make test` installs everything the tests need and runs them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := postgresql postgresql-15-postgis-3 chromium gdal-bin nginx-light poppler-utils
HOST ?= 127.0.0.1
PORT ?= 5000
# the tests run in a worker process per core (pytest-xdist; each worker has a database of its own,
# see tests/conftest.py); TEST_WORKERS=0 runs them in this process
TEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal

.PHONY: install vendor run test test-fast lint system-deps bench clean fuzz killtest load

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@# bytecode of every installed package: pip writes none where PYTHONDONTWRITEBYTECODE is set, and
	@# every process would compile pandas, shapely and the rest again (1.4 s of a cold `zonasi check`);
	@# files of some packages' own tests do not compile (old syntax): not an error
	@$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true
	touch $@

install: $(STAMP) vendor ## (and bytecode: Python writes none where PYTHONDONTWRITEBYTECODE is set)
	@$(PY) -m compileall -q geo zonasi webmap >/dev/null

vendor: $(STAMP) ## the web map's front-end assets from the npm registry (quick when already there)
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	$(PY) scripts/vendor_assets.py

run: install ## serve the bundled layers on http://127.0.0.1:5000
	$(VENV)/bin/zonasi serve --host $(HOST) --port $(PORT)

system-deps: ## Debian packages the tests need (PostGIS, Chromium, GDAL's ogrinfo, nginx for the several-nodes test, pdftotext to read letters back)
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; }

test: install system-deps lint ## lint, everything the tests need, then the tests (PostGIS started and stopped around them)
	@trap 'scripts/postgis.sh stop' EXIT; eval "$$(scripts/postgis.sh start)" && $(PY) -m pytest $(PYTEST_PARALLEL)

lint: install ## ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade, docstrings of the public API) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test-fast: install ## the tests that need no browser or database server
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser and not postgis and not slow"

bench: install ## the speed benchmarks (figures go to the README)
	$(PY) bench/engine.py
	$(PY) bench/validate.py
	$(PY) bench/api.py

fuzz: install ## API fuzzing (schemathesis, >= 2000 generated requests over every endpoint): no 5xx, only problem+json errors
	$(PY) bench/fuzz.py --examples 40

killtest: install system-deps ## 10,000 reports, server SIGKILLed midway: none acknowledged is lost (SQLite, then PostGIS)
	$(PY) bench/killtest.py --reports 10000
	@trap 'scripts/postgis.sh stop' EXIT; eval "$$(scripts/postgis.sh start)" && \
	  $(PY) bench/killtest.py --reports 10000 --database-url "$$ZONASI_TEST_DATABASE_URL"

load: install ## 50 clients for 60 s against zonasi serve: checks, violations and report submissions
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
