"""Project configuration: settings, the root URLconf, the Celery app, WSGI and ASGI entry points.

Kept apart from the `ethics` kernel so that the kernel is only the shared domain layer.
"""

from config.celery import app as celery_app

__all__ = ("celery_app",)
