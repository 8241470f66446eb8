# The README's commands. Each target installs what it needs first, so a fresh clone on a
# machine with only Python 3.11 and make is enough: uv is bootstrapped when missing, then
# `uv sync --locked` installs the exact versions in uv.lock into .venv. A distribution's own
# Python refuses pip installs outside a venv (PEP 668): uv then goes to the user's site,
# where `python3 -m uv` finds it; uv itself is the only thing installed outside .venv.
UV_VERSION := 0.13.9
# Trust the machine's certificate store (as pip and curl do), not only uv's bundled roots:
# registries behind a TLS-inspecting proxy are signed by a locally installed CA.
export UV_SYSTEM_CERTS := 1
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --locked --no-sync

.PHONY: install demo test dev lint format bench bench-quick deploy-local dbt-prepare

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" 2>/dev/null || \
		python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages "uv==$(UV_VERSION)"
	@$(UV) sync --locked --quiet

demo: install dbt-prepare
	$(RUN) lever-pipeline demo

test: install dbt-prepare
	$(RUN) pytest

# `make dev PORT=3001 SERVICE_PORT=8001` when 3000 or 8000 is taken.
PORT ?= 3000
SERVICE_PORT ?= 8000

dev: install dbt-prepare
	$(RUN) lever-pipeline dev --port $(PORT) --service-port $(SERVICE_PORT)

# The manifest is rebuilt only when a dbt file (or the Dagster dbt module) changed since:
# a full `dbt parse` costs ~25 s of CPU, and most runs change no model.
DBT_MANIFEST := dbt_models/target/manifest.json
DBT_SOURCES := $(shell find dbt_models -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.md' \) \
	-not -path 'dbt_models/target/*' -not -path 'dbt_models/logs/*' 2>/dev/null)

dbt-prepare: $(DBT_MANIFEST)

$(DBT_MANIFEST): $(DBT_SOURCES) lever_pipeline/defs/dbt.py | install
	$(RUN) dagster-dbt project prepare-and-package --file lever_pipeline/defs/dbt.py
	@touch $@

deploy-local: install
	$(RUN) lever-pipeline deploy-local

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

# Benchmarks print figures and write benchmarks/results/; nothing in them is a test.
bench: install
	$(RUN) python -m benchmarks.run

bench-quick: install
	$(RUN) python -m benchmarks.run --quick
