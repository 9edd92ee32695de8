"""Celery app for the fault tests' workers: the product's app, with every PDF rendering slowed by
SLOW_RENDER_SECONDS so a test can kill the worker in the middle of one."""

import os
import time

import django

from config.celery import app

django.setup()

from ethics import pdf  # noqa: E402

_render = pdf.render


def _slow_render(*args, **kwargs):
    time.sleep(float(os.environ.get("SLOW_RENDER_SECONDS", "0")))
    return _render(*args, **kwargs)


pdf.render = _slow_render

__all__ = ["app"]
