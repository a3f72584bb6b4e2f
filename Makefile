# Every target bootstraps what it needs: uv (installed with pip if missing), then the locked env.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: run test test-dates lint typecheck-client format bench fuzz env help

help:
	@echo "make run    start the service on the embedded PostgreSQL with demo data, and the city"
	@echo "            platform simulator beside it (the pushes arrive there: its /received)"
	@echo "make test   lint + typecheck-client + the whole test suite on real PostgreSQL"
	@echo "make test-dates  the suite with the process clock moved to other days"
	@echo "make lint   ruff + mypy + the import layers (import-linter) + hadolint (Dockerfile)"
	@echo "make typecheck-client  a TypeScript client generated from the OpenAPI document must"
	@echo "            type-check a usage file with tsc --strict (needs node and npm)"
	@echo "make bench  performance benchmarks (ratios against same-run baselines)"
	@echo "make fuzz   schemathesis against the app on the demo county, as each role; prints"
	@echo "            the share of cases answered 2xx; fails on a 5xx or a response off the schema"

env:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: env
	$(RUN) labor-credit demo-seed
	$(RUN) labor-credit serve --platform-sim $(ARGS)

lint: env
	$(RUN) ruff check app tests alembic bench fuzz
	$(RUN) ruff format --check app tests alembic bench fuzz
	$(RUN) mypy app bench fuzz
	$(RUN) lint-imports
	$(RUN) hadolint Dockerfile

# The OpenAPI document as a contract: openapi-typescript (pinned in clients/typescript) turns it
# into types, and usage.ts, which reads fields of every kind of list's items, must compile with
# tsc --strict: a list whose items were untyped (`unknown`) fails here.
CLIENT := clients/typescript
typecheck-client: env $(CLIENT)/node_modules/.package-lock.json
	$(RUN) labor-credit openapi --out $(CLIENT)/generated/openapi.json
	cd $(CLIENT) && npx --no-install openapi-typescript generated/openapi.json \
	  --output generated/api.d.ts
	cd $(CLIENT) && npx --no-install tsc --strict --noEmit -p .

$(CLIENT)/node_modules/.package-lock.json: $(CLIENT)/package.json $(CLIENT)/package-lock.json
	cd $(CLIENT) && npm ci --no-audit --no-fund

test: lint typecheck-client
	$(RUN) pytest $(ARGS)

# The suite must pass whatever the date is: run it with the wall clock moved (time-machine).
# sitecustomize imports time_machine before pytest starts, so pytest cannot assertion-rewrite
# that plugin and warns (an error under filterwarnings = error): that one warning is let pass.
DATES ?= 2026-12-28 2027-01-05 2027-07-01
MOVED_IMPORT := ignore:Module already imported so cannot be rewritten; time_machine:pytest.PytestAssertRewriteWarning
test-dates: env
	@for day in $(DATES); do \
	  echo "== pytest with the process clock moved to $$day"; \
	  MOVED_CLOCK=$$day PYTHONPATH=tests/moved_clock $(RUN) pytest -q -p no:cacheprovider \
	    -W "$(MOVED_IMPORT)" $(ARGS) || exit 1; \
	done

# The public C list's load is wrk (Debian package), installed here when missing and apt-get is
# there; without it the benchmark falls back to its own Python load generator (and says so).
bench: env
	@command -v wrk >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
	  apt-get install -y wrk >/dev/null 2>&1 || \
	  echo "wrk could not be installed: the Python load generator (bench.loadgen) will run"
	$(RUN) python -m bench $(ARGS)

# The embedded PostgreSQL in .data/fuzz (the suite's and `make run`'s data untouched), or the
# server of FUZZ_DATABASE_URL (its database is dropped and made anew). ARGS: see python -m fuzz -h.
fuzz: env
	$(RUN) python -m fuzz $(ARGS)

format: env
	$(RUN) ruff check --fix app tests alembic bench fuzz
	$(RUN) ruff format app tests alembic bench fuzz
