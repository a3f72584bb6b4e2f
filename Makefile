# Every target bootstraps what it needs: uv (installed with pip if missing), then the locked env.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: run test lint format bench env help

help:
	@echo "make run    start the service on the embedded PostgreSQL with demo data"
	@echo "make test   lint + the whole test suite on real PostgreSQL"
	@echo "make lint   ruff + mypy"
	@echo "make bench  performance benchmarks (ratios against same-run baselines)"

env:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: env
	$(RUN) labor-credit demo-seed
	$(RUN) labor-credit serve $(ARGS)

lint: env
	$(RUN) ruff check app tests alembic bench
	$(RUN) ruff format --check app tests alembic bench
	$(RUN) mypy app bench

test: lint
	$(RUN) pytest $(ARGS)

bench: env
	$(RUN) python -m bench $(ARGS)

format: env
	$(RUN) ruff check --fix app tests alembic bench
	$(RUN) ruff format app tests alembic bench
