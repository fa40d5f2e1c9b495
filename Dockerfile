# The API image: `wrestle` in a virtualenv built from the locked dependencies, run as an unprivileged
# user. tests/integration/test_deployment.py runs these steps on the host in the same order.
FROM python:3.11.7-slim

COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /usr/local/bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH"

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin wrestle

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN uv sync --frozen --no-dev

# The code and the virtualenv stay root's: the service can read them, not change them.
USER wrestle
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"

# Migrate and serve; nothing else. The demo federation is never loaded here (in development, load it
# with `docker compose exec api wrestle demo`; with APP_ENV=production that command refuses). Under
# docker compose the `migrate` service migrates first and the api service only serves.
CMD ["sh", "-c", "wrestle db migrate && exec wrestle serve --host 0.0.0.0 --port 8000 --workers ${API_WORKERS:-2}"]
