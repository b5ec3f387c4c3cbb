# Two commands on a fresh machine: `make demo` and `make test`. Each bootstraps .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean venv web browser

# The web dashboard (web/) is built with npm + Vite into the directory the service serves at /.
WEB_OUT := src/voltroute/service/static/index.html
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.js web/package.json web/package-lock.json

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@echo "compiling the routing kernels (numba, once per machine)"
	$(BIN)/python -c "from voltroute.solve.evsearch import warm_up; warm_up()"
	$(BIN)/python -c "from voltroute.solve.sidekick.search import warm_up; warm_up()"
	touch $(STAMP)

web: $(WEB_OUT)

$(WEB_OUT): $(WEB_SRC)
	@if command -v npm >/dev/null 2>&1; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else \
		echo "npm not found: the dashboard is not built (its browser test will skip)"; \
	fi

# Debian's Chromium for the browser test; installed when missing and we are root, else skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
				|| echo "could not install chromium: the browser test will skip"; \
		else \
			echo "chromium is not installed and we are not root: the browser test will skip"; \
		fi; }

demo: $(STAMP) web
	$(BIN)/voltroute demo --out demo-output

test: $(STAMP) web browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python benchmarks/run_vrplib.py --help

clean:
	rm -rf $(VENV) demo-output .pytest_cache web/node_modules src/voltroute/service/static
