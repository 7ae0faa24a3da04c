# Buzz application image: daphne serving asgi:application by default; the same
# image runs migrations (`python manage.py migrate`) and the background worker
# (`python manage.py db_worker`). docker-compose.yml runs it at scale.
#
# Settings come from the environment at run time (community/settings/env.py);
# nothing secret is baked in. The image defaults to DEBUG=false, so SECRET_KEY
# must be given when a container starts.

# --- Front-end files from npm (htmx, Chart.js); nothing is loaded from a CDN at run time.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# --- The application.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=community.settings \
    DEBUG=false

RUN groupadd --system --gid 10001 buzz \
    && useradd --system --uid 10001 --gid buzz --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin buzz

WORKDIR /app

# Pango and fonts for WeasyPrint, which renders the monthly MT report as PDF.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them. The project is
# run from its checkout: pyproject.toml declares no packages, the editable
# install only brings the pinned dependencies (requirements.lock constrains the
# transitive ones).
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock -e .

COPY . .
COPY --from=assets /build/node_modules/htmx.org/dist/htmx.min.js community/static/vendor/htmx.min.js
COPY --from=assets /build/node_modules/chart.js/dist/chart.umd.min.js /build/node_modules/chart.js/dist/chart.umd.min.js.map community/static/vendor/

# Static files are collected once, at build time, with the production storage
# (hashed names, compressed copies) that DEBUG=false selects; WhiteNoise serves
# them from var/static. The key is a throwaway that exists only in this layer's
# command, never in the image's environment.
# The code and the collected static files stay owned by root (read-only for the
# app); only var/ (embedded SQLite, if used) and var/media (uploads; a volume in
# docker-compose.yml) are writable by the app user.
RUN DEBUG=false SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time \
        python manage.py collectstatic --no-input \
    && mkdir -p var/media \
    && chown buzz:buzz var var/media

# Numeric, so a runtime can verify it is not root (e.g. runAsNonRoot).
USER 10001:10001

EXPOSE 8000

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "asgi:application"]
