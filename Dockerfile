# The Electric Maze server: one process, its event log in SQLite on a volume.
#
#   docker build -t electric-maze .
#   docker run -p 8000:8000 -v electric-maze-data:/app/var \
#       -e PUBLIC_URL=http://192.168.1.20:8000 electric-maze
#
# PUBLIC_URL is the address phones use to reach the server: join links and QR codes carry it.
# Inside a container the server cannot see the host's own address, so set it. Behind a reverse
# proxy, set FORWARDED_ALLOW_IPS to the proxy's address so that clients are told apart by
# their own addresses (the limit on wrong join codes counts per address).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, read from pyproject.toml, so that a change to the sources alone does
# not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself (.dockerignore keeps out tests, caches and local data), without the
# test extras. The build leaves nothing behind in /app but the sources.
COPY . .
RUN pip install . \
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
