# syntax=docker/dockerfile:1
# flightbook production image: `docker build -t flightbook .`, then `docker compose up` (compose.yaml).
# The entrypoint runs `web` (default), `worker`, `beat`, `migrate`, `seed-demo` or `manage ARGS...`.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: a virtualenv with the pinned production requirements -----------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

COPY requirements/base.txt requirements/prod.txt /tmp/requirements/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --require-virtualenv -r /tmp/requirements/prod.txt

# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=flightbook.settings.prod \
    PORT=8000

RUN groupadd --system --gid 10001 flightbook \
    && useradd --system --uid 10001 --gid flightbook --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin flightbook

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .

# Static files are collected (and compressed, hashed) into the image. The settings demand a
# secret key, hosts, a database URL, a Redis URL and field keys: throwaway values on this one command, never in the
# image's environment. collectstatic does not connect to the database.
RUN DJANGO_SECRET_KEY=build-time-only-collectstatic-not-a-real-secret-0123456789abcdef \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtdGltZS1vbmx5LW5vdC1hLXJlYWwta2V5ISE= \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q apps flightbook \
    && chmod 0755 docker/entrypoint.sh

# The flightbook user, by number so that a runAsNonRoot policy can verify it. The code stays
# root-owned and read-only to it; it writes only under /tmp.
USER 10001:10001

EXPOSE 8000

# /healthz does no I/O. The Host header is the first allowed host, or Django would answer 400.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h and h != '*' else 'localhost'; r.urlopen(r.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': h}), timeout=4)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
