# syntax=docker/dockerfile:1
# Build: the locked environment, without dev tools.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /srv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
RUN uv sync --frozen --no-dev

# Run: a non-root user; DATABASE_URL points at the PostgreSQL server (see compose.yaml). Production
# unless told otherwise: the placeholder secrets and the demo data are refused. The data folder
# (evidence and import files) belongs to that user, so a volume mounted on it is writable.
FROM python:3.11-slim
RUN groupadd --gid 10001 labor \
  && useradd --uid 10001 --gid 10001 --create-home labor \
  && install -d -o labor -g labor /srv/data
WORKDIR /srv
COPY --from=build --chown=labor:labor /srv /srv
ENV PATH="/srv/.venv/bin:$PATH" LABOR_CREDIT_DATA_DIR=/srv/data PYTHONUNBUFFERED=1 \
  LABOR_CREDIT_ENVIRONMENT=production
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["labor-credit", "serve", "--host", "0.0.0.0", "--port", "8000"]
