"""gunicorn for the `web` service (docker-compose.yml): `gunicorn -c deploy/gunicorn.conf.py`.

Every value can be overridden by the environment variable named beside it.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: the views are short database round trips; PDFs render in Celery, never here.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow without bound; jitter spreads restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Uploads (up to UPLOAD_MAX_BYTES) are spooled to /tmp, not kept in memory.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files, not data
# Logs to stderr: access log lines with time, status and duration (microseconds).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
# Only the proxy (Caddy) talks to gunicorn; it sets X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
proxy_allow_ips = forwarded_allow_ips
