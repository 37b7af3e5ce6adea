# The Electric Maze server: one process, its event log in SQLite on a volume.
#
#   docker build -t electric-maze .
#   docker run -p 8000:8000 -v electric-maze-data:/app/var \
#       -e PUBLIC_URL=http://192.168.1.20:8000 electric-maze
#
# PUBLIC_URL is the address phones use to reach the server: join links and QR codes carry it.
# Inside a container the server cannot see the host's own address, so set it.
#
# FORWARDED_ALLOW_IPS: no proxy is believed by default, so X-Forwarded-For is ignored and each
# client counts by the address it connects from. Behind a reverse proxy every client would then
# share the proxy's address (and its limits on wrong codes, workshops and sockets): set
# FORWARDED_ALLOW_IPS to the proxy's address (comma-separated, or a network such as
# 172.18.0.0/16 for Docker's), never to a proxy you do not run. ALLOWED_HOSTS limits the Host
# names answered.
#
# The base image is pinned by digest: python:3.11-slim-bookworm as Docker Hub served it on
# 2026-08-24.
# To move to a newer one: docker buildx imagetools inspect python:3.11-slim-bookworm
FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, exactly as locked: every package at its pinned version, refused unless
# its hash matches (requirements.lock, generated from pyproject.toml; a test keeps the two in
# step). A change to the sources alone does not reinstall them.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The project itself (.dockerignore keeps out tests, caches and local data), without the
# test extras. The build leaves nothing behind in /app but the sources.
COPY . .
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin maze \
    && mkdir -p /app/var \
    && chown maze:maze /app/var

# The SQLite database: DATABASE_URL defaults to sqlite:///var/electric-maze.db, relative to
# /app. A named volume starts out owned by the server's user; a host folder mounted here must
# be writable by uid 10001.
VOLUME ["/app/var"]

# Numeric, so that orchestrators can tell the user is not root.
USER 10001:10001

ENV HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

# No curl in the slim image: Python's urllib asks /healthz, and fails on any error or non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', timeout=4)"]

CMD ["electric-maze", "serve"]
