# syntax=docker/dockerfile:1
# Build: the locked environment, without dev tools.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv
WORKDIR /srv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
RUN uv sync --frozen --no-dev

# Run: a non-root user; DATABASE_URL points at the PostgreSQL server (see compose.yaml).
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 labor
WORKDIR /srv
COPY --from=build --chown=labor:labor /srv /srv
ENV PATH="/srv/.venv/bin:$PATH" LABOR_CREDIT_DATA_DIR=/srv/data PYTHONUNBUFFERED=1
USER labor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
CMD ["labor-credit", "serve", "--host", "0.0.0.0", "--port", "8000"]
