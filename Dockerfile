# The `moose` runner as a container: the locked Python environment, the runner package and the
# db/ folder it applies. docker-compose.yml runs `moose migrate` then `moose run` with it; the
# database is whatever MOOSE_DATABASE_URL names (no embedded cluster in a container).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/moose/.venv \
    PATH=/opt/moose/.venv/bin:$PATH

# psql for `moose db psql`; nothing else from Debian is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9

WORKDIR /opt/moose
# Dependencies first (cached while only code changes), exactly as locked, without dev tools.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY runner ./runner
COPY db ./db
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 --home-dir /opt/moose moose
USER moose

CMD ["sh", "-c", "moose migrate && exec moose run"]
