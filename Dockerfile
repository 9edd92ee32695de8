# Production image: gunicorn web, Celery workers and beat share it (see docker-compose.yml).
# Two stages: the dependencies are installed from requirements.lock (exact versions and hashes:
# a rebuild installs the same bytes) into a virtualenv that the runtime stage copies.

FROM python:3.11-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
# python-ldap (LDAP sign-in) has no binary wheel: build it against libldap and libsasl.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libldap2-dev libsasl2-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /venv \
 && /venv/bin/pip install --require-hashes --no-deps -r /tmp/requirements.lock

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH \
    DEBUG=0 DATA_DIR=/data STATIC_ROOT=/app/static
# Fonts and pango for WeasyPrint (the compiled catalogues are in the repository); curl for the
# health check;
# the PostgreSQL 15 client for manage.py backup / restore; libldap for LDAP sign-in.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
    curl postgresql-client libldap-2.5-0 libsasl2-2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=deps /venv /venv
WORKDIR /app
COPY manage.py pyproject.toml ./
COPY config config
COPY ethics ethics
COPY committees committees
COPY reviews reviews
COPY meetings meetings
COPY registry registry
COPY reports reports
COPY templates templates
COPY locale locale
COPY deploy deploy
# Static files belong to the image (/app/static), outside the /data volume, so an upgrade
# always serves the files and the manifest of the code it runs.
RUN SECRET_KEY=build-only AUDIT_HMAC_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0 \
 && useradd --system --home /app ethics && mkdir -p /data /backups \
 && chown ethics /data /backups
USER ethics
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
