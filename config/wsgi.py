import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.embedded import prepare  # noqa: E402 - needs the configured settings
from config.observability import init_sentry  # noqa: E402

prepare()
init_sentry()
