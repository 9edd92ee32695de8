# Production image: gunicorn web, Celery worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0 DATA_DIR=/data
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
    gettext curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config config
COPY ethics ethics
COPY committees committees
COPY reviews reviews
COPY meetings meetings
COPY registry registry
COPY reports reports
COPY templates templates
COPY locale locale
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput -v0
RUN useradd --system --home /app ethics && mkdir -p /data && chown ethics /data
USER ethics
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
